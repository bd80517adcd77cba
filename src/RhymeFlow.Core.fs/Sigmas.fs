namespace RhymeFlow.Core

open System

type Solver =
    | Euler
    | UniPC
    | Ddim

type Spacing =
    | SolverDefault
    | Linspace

type Ladder =
    {
        Sigmas: float list
        Timesteps: float list
    }

type NoiseLadder =
    | FlowSigmas of flow: Ladder
    | VpAlphas of vp: VpLadder

[<RequireQualifiedAccess>]
module Sigmas =
    let private trainTimesteps = 1000.0

    [<CompiledName("Shift")>]
    let shift s sigma = s * sigma / (1.0 + (s - 1.0) * sigma)

    let private linspace (a: float) (b: float) n =
        if n = 1 then
            [ a ]
        else
            List.init n (fun i -> a + (b - a) * float i / float (n - 1))

    // diffusers shifts the training sigmas once in __init__ and again in set_timesteps, so the
    // smallest sigma of the Euler ladder is shifted twice: shift(shift(1/1000)).
    let private euler s n =
        let sigmaMin = shift s (1.0 / trainTimesteps)

        let sigmas =
            linspace trainTimesteps (sigmaMin * trainTimesteps) n
            // shift(1) can round to 1 + 2^-52 for shifts below 1.
            |> List.map (fun t -> min 1.0 (shift s (t / trainTimesteps)))

        {
            Sigmas = sigmas @ [ 0.0 ]
            Timesteps = sigmas |> List.map (fun x -> x * trainTimesteps)
        }

    // use_flow_sigmas: alphas = linspace(1, 1/1000, N+1), drop the last, shift. The first sigma
    // is kept below 1 (the fixture stores float32(1 - 1e-6)) so that alpha_t = 1 - sigma stays
    // positive in UniPC's log-SNR; timesteps are int64 casts, i.e. truncation.
    let private unipc s n =
        let sigmas =
            linspace 1.0 (1.0 / trainTimesteps) (n + 1)
            |> List.take n
            |> List.map (fun x -> min (shift s x) (1.0 - 1e-6))

        {
            Sigmas = sigmas @ [ 0.0 ]
            Timesteps = sigmas |> List.map (fun x -> Math.Floor(x * trainTimesteps))
        }

    // HunyuanVideo's pipeline: linspace(1, 0, N+1)[:-1] in float64, cast to float32 by set_timesteps,
    // then shifted and scaled to timesteps in float32 arithmetic (numpy keeps float32 arrays float32
    // when multiplied by a Python float).
    let private linspaceEuler (s: float) n =
        let s32 = float32 s

        let sigmas =
            List.init n (fun i -> float32 (1.0 - float i / float n))
            // For shifts below 1, 1 + (s - 1) can round away from s, putting the first sigma an ulp above 1.
            |> List.map (fun x -> min 1.0f (s32 * x / (1.0f + (s32 - 1.0f) * x)))

        {
            Sigmas = (sigmas |> List.map float) @ [ 0.0 ]
            Timesteps = sigmas |> List.map (fun x -> float (x * 1000.0f))
        }

    [<CompiledName("OfVp")>]
    let ofVp (vp: VpLadder) =
        {
            Sigmas = vp.AlphasCumprod |> List.map Vp.flowSigma
            Timesteps = vp.Timesteps |> List.map float
        }

    [<CompiledName("NoiseLadder")>]
    let noiseLadder solver shift steps =
        if steps < 1 then
            Error(Validate.error "steps" steps ">= 1")
        elif not (shift > 0.0) || Double.IsInfinity shift then
            Error(Validate.error "shift" shift "> 0 (finite)")
        else
            match solver with
            | Euler -> Ok(FlowSigmas(euler shift steps))
            | UniPC -> Ok(FlowSigmas(unipc shift steps))
            | Ddim -> Vp.ladder { Vp.cogVideoX5B with SnrShift = shift } steps |> Result.map VpAlphas

    [<CompiledName("SpacedNoiseLadder")>]
    let spacedNoiseLadder solver spacing shift steps =
        match spacing, solver with
        | SolverDefault, _ -> noiseLadder solver shift steps
        | Linspace, Euler ->
            noiseLadder solver shift steps
            |> Result.map (fun _ -> FlowSigmas(linspaceEuler shift steps))
        | Linspace, (UniPC | Ddim) ->
            Error(Validate.error "spacing" "linspace" $"the solver's own spacing for {solver} (linspace is for euler)")

    let private flowOf ladder =
        match ladder with
        | FlowSigmas flow -> flow
        | VpAlphas vp -> ofVp vp

    [<CompiledName("Ladder")>]
    let ladder solver shift steps =
        noiseLadder solver shift steps |> Result.map flowOf

    [<CompiledName("SpacedLadder")>]
    let spacedLadder solver spacing shift steps =
        spacedNoiseLadder solver spacing shift steps |> Result.map flowOf

    [<CompiledName("Steps")>]
    let steps ladder = List.length ladder.Timesteps
