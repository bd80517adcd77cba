module RhymeFlow.Core.Tests.Generators

open FsCheck
open FsCheck.FSharp
open RhymeFlow.Core

/// A valid spec for a clip of Frames frames with a valid keyframe set: steps 1..100, frames 1..64,
/// warm-up 0..steps, skips 1..10.
type ValidCase =
    {
        Spec: Spec
        Frames: int
        Keyframes: int list
    }

/// Per-frame signature vectors (1..24 frames, dimension 1..6), never all zero.
type Signatures = Signatures of float[] list

let genSkip =
    Gen.oneof
        [
            Gen.choose (1, 10) |> Gen.map Fixed
            gen {
                let! lo = Gen.choose (1, 10)
                let! hi = Gen.choose (lo, 10)
                let! a = Gen.choose (0, 100)
                let! b = Gen.choose (a, 100)

                return
                    Progressive
                        {
                            Min = lo
                            Max = hi
                            First = float a / 100.0
                            Second = float b / 100.0
                        }
            }
        ]

let genKeyframes frames =
    gen {
        let! subset = Gen.subListOf [ 0 .. frames - 1 ]
        let! fallback = Gen.choose (0, frames - 1)
        let! shuffled = Gen.shuffle (if List.isEmpty subset then [ fallback ] else subset)
        return List.ofArray shuffled
    }

let genRhymeFlow steps frames =
    gen {
        let! warmup = Gen.choose (0, steps)
        let! budget = Gen.choose (1, frames)
        let! threshold = Gen.choose (-99, 100) |> Gen.map (fun t -> float t / 100.0)
        let! seed = Gen.choose (0, 1000) |> Gen.map uint64
        let! spacing = Gen.choose (1, 4)

        let! strategy =
            Gen.elements
                [
                    Semantic threshold
                    Uniform
                    KeyframeStrategy.Random seed
                    FirstM
                    Spread spacing
                ]

        let! skip = genSkip

        let! projection =
            Gen.elements [ LinearSigma; LinearTimestep; FoCa false; FoCa true; Frozen ]

        let! context =
            Gen.elements
                [
                    LayerKv
                    LayerHidden Device
                    LayerHidden Host
                    ProjectedLatents
                    KeyframesOnly
                ]

        let! coupling = Gen.elements [ KeyframeEuler; SchedulerApprox ]

        return
            RhymeFlow
                {
                    WarmupSteps = warmup
                    Budget = budget
                    Strategy = strategy
                    Skip = skip
                    Projection = projection
                    Context = context
                    Coupling = coupling
                }
    }

let genCase =
    gen {
        let! steps = Gen.choose (1, 100)
        let! frames = Gen.choose (1, 64)
        let! solver = Gen.elements [ Euler; UniPC; Ddim ]
        let! shift = Gen.elements [ 1.0; 3.0; 5.0; 7.5 ]
        let! fewer = Gen.choose (1, steps)

        let! spacing =
            match solver with
            | Euler -> Gen.elements [ SolverDefault; Linspace ]
            | UniPC
            | Ddim -> Gen.constant SolverDefault

        let! schedule =
            Gen.frequency
                [
                    1, Gen.constant Dense
                    1, Gen.constant (FewerSteps fewer)
                    8, genRhymeFlow steps frames
                ]

        let! keyframes = genKeyframes frames

        return
            {
                Spec =
                    {
                        Sampling =
                            {
                                Solver = solver
                                Shift = shift
                                Steps = steps
                                Spacing = spacing
                            }
                        Schedule = schedule
                    }
                Frames = frames
                Keyframes = keyframes
            }
    }

let genSignatures =
    gen {
        let! frames = Gen.choose (1, 24)
        let! dim = Gen.choose (1, 6)
        let! base' = Gen.arrayOfLength dim (Gen.choose (-10, 10) |> Gen.map float)

        let anchor =
            if Array.forall ((=) 0.0) base' then
                Array.create dim 1.0
            else
                base'

        // Small perturbations of a common vector, so that similarities cluster near the threshold.
        let! frames =
            Gen.listOfLength
                frames
                (Gen.arrayOfLength dim (Gen.choose (-4, 4))
                 |> Gen.map (Array.map2 (fun a d -> a + float d) anchor))

        return Signatures frames
    }

type Generators =
    static member ValidCase() = Arb.fromGen genCase
    static member Signatures() = Arb.fromGen genSignatures

/// Compiles a valid case; valid cases always compile.
let compile case =
    match Plan.compile case.Spec case.Frames case.Keyframes with
    | Ok plan -> plan
    | Error e -> failwith e.Message

let warmupOf (spec: Spec) =
    match spec.Schedule with
    | RhymeFlow r -> r.WarmupSteps
    | Dense
    | FewerSteps _ -> Spec.ladderSteps spec

/// Replays a plan the way the executor does, tracking each frame's state sigma index; Error says
/// which transition was incoherent. Ok gives the final indices and, per evaluation, the indices
/// before it.
let replay (plan: Plan) =
    let step (states: int list, before) (e: Evaluation) =
        let next =
            List.zip3 states e.Transitions e.SigmaIndex
            |> List.mapi (fun f (state, transition, input) ->
                match transition with
                | Advance when input = state -> Ok(state + 1)
                | Jump(target, _) when input = state && target > state -> Ok target
                | Projected(_, start, stop) when state = stop && start < input && input < stop -> Ok state
                | Correct _ when input = state -> Ok state
                | Idle -> Ok state
                | t -> Error $"evaluation {e.Index}, frame {f}: {t} at input {input} with state {state}")

        match
            next
            |> List.tryPick (function
                | Error m -> Some m
                | Ok _ -> None)
        with
        | Some message -> failwith message
        | None ->
            (next
             |> List.map (function
                 | Ok s -> s
                 | Error _ -> -1),
             states :: before)

    let final, before =
        plan.Evaluations |> List.fold step (List.replicate plan.Frames 0, [])

    final, List.rev before
