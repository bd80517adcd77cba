namespace RhymeFlow.Core

// The C# surface: enums, sealed classes, arrays and IReadOnlyList; no F# list, option or function
// type crosses it. Invalid arguments become ArgumentException naming the C# parameter.

open System
open System.Collections.Generic
open System.Runtime.InteropServices

type SolverKind =
    | Euler = 0
    | UniPC = 1

type KeyframeStrategyKind =
    | Semantic = 0
    | Uniform = 1
    | Random = 2
    | FirstM = 3
    | Spread = 4

type ProjectionKind =
    | LinearSigma = 0
    | LinearTimestep = 1
    | FoCa = 2

type ContextKind =
    | LayerKv = 0
    | LayerHiddenDevice = 1
    | LayerHiddenHost = 2
    | ProjectedLatents = 3
    | KeyframesOnly = 4

type CouplingKind =
    | KeyframeEuler = 0
    | SchedulerApprox = 1

type EvaluationKindView =
    | Full = 0
    | Active = 1
    | Correction = 2

type TransitionKind =
    | Advance = 0
    | Jump = 1
    | Projected = 2
    | Correct = 3
    | Idle = 4

module internal Interop =
    let list (xs: 'T seq) : IReadOnlyList<'T> = Array.ofSeq xs :> IReadOnlyList<'T>

    // Validation fields are JSON/F# names; the C# caller knows its own parameter names.
    let parameter (field: string) =
        match field with
        | "budget" -> "keyframes"
        | "skip.min"
        | "skip.k" -> "minSkip"
        | "skip.max" -> "maxSkip"
        | "skip.first" -> "firstTransition"
        | "skip.second" -> "secondTransition"
        | "fewerSteps" -> "steps"
        | "keyframes.frames" -> "keyframes"
        | f when f.StartsWith "keyframes[" -> "keyframes"
        | f -> f

    let orThrow result =
        match result with
        | Ok value -> value
        | Error(e: ValidationError) -> raise (ArgumentException(e.Message, parameter e.Field))

    let context kind =
        match kind with
        | ContextKind.LayerHiddenDevice -> LayerHidden Device
        | ContextKind.LayerHiddenHost -> LayerHidden Host
        | ContextKind.ProjectedLatents -> ProjectedLatents
        | ContextKind.KeyframesOnly -> KeyframesOnly
        | _ -> LayerKv

    let contextKind context =
        match context with
        | LayerKv -> ContextKind.LayerKv
        | LayerHidden Device -> ContextKind.LayerHiddenDevice
        | LayerHidden Host -> ContextKind.LayerHiddenHost
        | ProjectedLatents -> ContextKind.ProjectedLatents
        | KeyframesOnly -> ContextKind.KeyframesOnly

/// One frame's transition in an evaluation; fields that do not apply are -1 (alpha: NaN).
[<Sealed>]
type FrameTransitionView internal (transition: FrameTransition) =
    member _.Kind =
        match transition with
        | Advance -> TransitionKind.Advance
        | Jump _ -> TransitionKind.Jump
        | Projected _ -> TransitionKind.Projected
        | Correct _ -> TransitionKind.Correct
        | Idle -> TransitionKind.Idle

    member _.Target =
        match transition with
        | Jump(target, _) -> target
        | _ -> -1

    /// The evaluation whose velocity FoCa's forecast also uses; -1 for a plain Euler jump.
    member _.ForecastFrom =
        match transition with
        | Jump(_, SecondOrder previous) -> previous
        | _ -> -1

    member _.Alpha =
        match transition with
        | Projected(alpha, _, _) -> alpha
        | _ -> nan

    member _.GroupStart =
        match transition with
        | Projected(_, start, _) -> start
        | _ -> -1

    member _.GroupEnd =
        match transition with
        | Projected(_, _, stop) -> stop
        | _ -> -1

    member _.JumpEvaluation =
        match transition with
        | Correct jump -> jump
        | _ -> -1

[<Sealed>]
type EvaluationView internal (plan: Plan, evaluation: Evaluation) =
    member _.Index = evaluation.Index
    member _.Step = evaluation.Step

    member _.Kind =
        match evaluation.Kind with
        | Full _ -> EvaluationKindView.Full
        | Active _ -> EvaluationKindView.Active
        | Correction -> EvaluationKindView.Correction

    member _.ComputedFrames = Plan.computedFrames plan evaluation |> Interop.list

    member _.RecordContextFrames =
        match evaluation.Kind with
        | Full record -> Interop.list record
        | Active _
        | Correction -> Interop.list []

    /// Where an active evaluation takes the non-keyframe context from (LayerKv otherwise).
    member _.Context =
        match evaluation.Kind with
        | Active(_, context) -> Interop.contextKind context
        | Full _
        | Correction -> ContextKind.LayerKv

    member _.Transitions =
        evaluation.Transitions |> List.map FrameTransitionView |> Interop.list

    member _.SigmaIndex = Interop.list evaluation.SigmaIndex

    /// Per-frame model timesteps (Ladder.Timesteps at SigmaIndex; 0 at the final index).
    member _.Timesteps =
        let timesteps = Array.ofList (plan.Ladder.Timesteps @ [ 0.0 ])
        evaluation.SigmaIndex |> List.map (fun i -> timesteps[i]) |> Interop.list

[<Sealed>]
type PlanCostView internal (cost: PlanCost) =
    member _.Flops = cost.Flops
    member _.DenseFlops = cost.DenseFlops
    member _.Speedup = cost.Speedup
    member _.PeakContextBytes = cost.PeakContextBytes
    member _.PeakActivationBytes = cost.PeakActivationBytes

    member _.EvaluationFlops =
        cost.Evaluations |> List.map (fun c -> c.Flops) |> Interop.list

/// A compiled plan, read-only.
[<Sealed>]
type PlanView(plan: Plan) =
    member _.Plan = plan
    member _.Frames = plan.Frames
    member _.Steps = Plan.steps plan
    member _.Sigmas = Interop.list plan.Ladder.Sigmas
    member _.Timesteps = Interop.list plan.Ladder.Timesteps
    member _.Keyframes = Interop.list plan.Keyframes

    member _.Evaluations =
        plan.Evaluations |> List.map (fun e -> EvaluationView(plan, e)) |> Interop.list

    member _.FullCount =
        plan.Evaluations
        |> List.filter (fun e ->
            match e.Kind with
            | Active _ -> false
            | Full _
            | Correction -> true)
        |> List.length

    member this.ActiveCount = plan.Evaluations.Length - this.FullCount

    member _.SigmaIndexMatrix =
        Plan.sigmaIndexMatrix plan |> List.map Array.ofList |> Array.ofList

    member _.Grid = Render.grid plan |> Interop.list
    member _.Render() = Render.render plan
    member _.ToJson() = Json.writePlan plan

    member _.Cost(geometry: Geometry) =
        Cost.ofPlan geometry plan |> Interop.orThrow |> PlanCostView

    static member FromJson(json: string) =
        Json.readPlan json |> Interop.orThrow |> PlanView

/// A spec validated for a clip, before keyframes are known.
[<Sealed>]
type PreparedPlan internal (prepared: Prepared) =
    member _.Warmup =
        let plan = Plan.preview prepared

        Plan.warmup prepared
        |> List.map (fun e -> EvaluationView(plan, e))
        |> Interop.list

    member _.NeedsKeyframes = (Plan.selection prepared).IsSome

    /// -1 when no selection is needed or it happens before the first evaluation.
    member _.SelectAfterEvaluation =
        Plan.selection prepared
        |> Option.map (fun s -> s.AfterEvaluation)
        |> Option.defaultValue -1

    /// The keyframes chosen from the F x F cosine matrix of the frames' x0 estimates.
    member _.SelectKeyframes(cosine: float[][]) : int[] =
        ArgumentNullException.ThrowIfNull cosine

        match Plan.selection prepared with
        | Some s ->
            Keyframes.select s.Strategy s.Budget (cosine |> Array.map List.ofArray |> List.ofArray)
            |> Interop.orThrow
            |> fun set -> Array.ofList set.Indices
        | None -> [||]

    member _.Complete(keyframes: int[]) =
        ArgumentNullException.ThrowIfNull keyframes

        KeyframeSet.create prepared.Frames (List.ofArray keyframes)
        |> Result.bind (Plan.complete prepared)
        |> Interop.orThrow
        |> PlanView

    member _.Preview() = Plan.preview prepared |> PlanView

/// A schedule spec: what a researcher writes, saves and runs later.
[<Sealed>]
type ScheduleSpec(spec: Spec) =
    member _.Spec = spec
    member _.Steps = spec.Sampling.Steps
    member _.ToJson() = Json.writeSpec spec

    static member FromJson(json: string) =
        Json.readSpec json |> Interop.orThrow |> ScheduleSpec

    member _.Prepare(frames: int) =
        Plan.prepare spec frames |> Interop.orThrow |> PreparedPlan

    /// The plan for `frames` frames; without keyframes, a data-free preview set is used.
    member this.Compile(frames: int, [<Optional; DefaultParameterValue(null: int[])>] keyframes: int[]) =
        let prepared = this.Prepare frames

        if isNull keyframes then
            prepared.Preview()
        else
            prepared.Complete keyframes

    override _.ToString() = Json.writeSpec spec

[<AbstractClass; Sealed>]
type Geometries =
    static member Wan13B480p = Cost.wan13B480p
    static member Wan13B720p = Cost.wan13B720p
    static member Wan14B480p = Cost.wan14B480p
    static member Wan14B720p = Cost.wan14B720p
    static member Mini = Cost.mini

[<AbstractClass; Sealed>]
type Schedules =
    static member private Sampling(solver, shift, steps) =
        {
            Solver = (if solver = SolverKind.Euler then Euler else UniPC)
            Shift = shift
            Steps = steps
        }

    static member private Validated(spec: Spec) =
        Spec.validate spec |> Interop.orThrow |> ScheduleSpec

    static member Dense
        (
            [<Optional; DefaultParameterValue(50)>] steps: int,
            [<Optional; DefaultParameterValue(3.0)>] shift: float,
            [<Optional; DefaultParameterValue(SolverKind.UniPC)>] solver: SolverKind
        ) =
        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, steps)
                Schedule = Dense
            }

    /// A dense run on `steps` steps, compared against `baselineSteps`.
    static member FewerSteps
        (
            steps: int,
            [<Optional; DefaultParameterValue(50)>] baselineSteps: int,
            [<Optional; DefaultParameterValue(3.0)>] shift: float,
            [<Optional; DefaultParameterValue(SolverKind.UniPC)>] solver: SolverKind
        ) =
        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, baselineSteps)
                Schedule = FewerSteps steps
            }

    static member RhymeFlow
        (
            [<Optional; DefaultParameterValue(50)>] steps: int,
            [<Optional; DefaultParameterValue(10)>] warmupSteps: int,
            [<Optional; DefaultParameterValue(2)>] keyframes: int,
            [<Optional; DefaultParameterValue(KeyframeStrategyKind.Semantic)>] strategy: KeyframeStrategyKind,
            [<Optional; DefaultParameterValue(0.98)>] threshold: float,
            [<Optional; DefaultParameterValue(0UL)>] seed: uint64,
            [<Optional; DefaultParameterValue(1)>] minSpacing: int,
            [<Optional; DefaultParameterValue(3)>] minSkip: int,
            [<Optional; DefaultParameterValue(5)>] maxSkip: int,
            [<Optional; DefaultParameterValue(0.3)>] firstTransition: float,
            [<Optional; DefaultParameterValue(0.7)>] secondTransition: float,
            [<Optional; DefaultParameterValue(true)>] progressive: bool,
            [<Optional; DefaultParameterValue(ProjectionKind.LinearSigma)>] projection: ProjectionKind,
            [<Optional; DefaultParameterValue(false)>] heunCorrection: bool,
            [<Optional; DefaultParameterValue(ContextKind.LayerKv)>] context: ContextKind,
            [<Optional; DefaultParameterValue(CouplingKind.SchedulerApprox)>] coupling: CouplingKind,
            [<Optional; DefaultParameterValue(SolverKind.UniPC)>] solver: SolverKind,
            [<Optional; DefaultParameterValue(3.0)>] shift: float
        ) =
        let strategy =
            match strategy with
            | KeyframeStrategyKind.Uniform -> Uniform
            | KeyframeStrategyKind.Random -> KeyframeStrategy.Random seed
            | KeyframeStrategyKind.FirstM -> FirstM
            | KeyframeStrategyKind.Spread -> Spread minSpacing
            | _ -> Semantic threshold

        let skip =
            if progressive then
                Progressive
                    {
                        Min = minSkip
                        Max = maxSkip
                        First = firstTransition
                        Second = secondTransition
                    }
            else
                Fixed minSkip

        let projection =
            match projection with
            | ProjectionKind.LinearTimestep -> LinearTimestep
            | ProjectionKind.FoCa -> FoCa heunCorrection
            | _ -> LinearSigma

        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, steps)
                Schedule =
                    RhymeFlow
                        {
                            WarmupSteps = warmupSteps
                            Budget = keyframes
                            Strategy = strategy
                            Skip = skip
                            Projection = projection
                            Context = Interop.context context
                            Coupling =
                                (if coupling = CouplingKind.KeyframeEuler then
                                     KeyframeEuler
                                 else
                                     SchedulerApprox)
                        }
            }

    static member FromJson(json: string) = ScheduleSpec.FromJson json
