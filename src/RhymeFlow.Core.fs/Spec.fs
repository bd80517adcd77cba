namespace RhymeFlow.Core

type Placement =
    | Device
    | Host

type ContextMode =
    | LayerKv
    | LayerHidden of placement: Placement
    | ProjectedLatents
    | KeyframesOnly

type SolverCoupling =
    | KeyframeEuler
    | SchedulerApprox

type RhymeFlowSpec =
    {
        WarmupSteps: int
        Budget: int
        Strategy: KeyframeStrategy
        Skip: SkipSchedule
        Projection: Projection
        Context: ContextMode
        Coupling: SolverCoupling
    }

type Schedule =
    | Dense
    | FewerSteps of steps: int
    | RhymeFlow of RhymeFlowSpec

type Sampling =
    {
        Solver: Solver
        Shift: float
        Steps: int
        Spacing: Spacing
    }

type Spec =
    {
        Sampling: Sampling
        Schedule: Schedule
    }

[<RequireQualifiedAccess>]
module Spec =
    [<CompiledName("DefaultSampling")>]
    let defaultSampling =
        {
            Solver = UniPC
            Shift = 3.0
            Steps = 50
            Spacing = SolverDefault
        }

    [<CompiledName("CogVideoXSampling")>]
    let cogVideoXSampling =
        {
            Solver = Ddim
            Shift = 1.0
            Steps = 50
            Spacing = SolverDefault
        }

    [<CompiledName("HunyuanVideoSampling")>]
    let hunyuanVideoSampling =
        {
            Solver = Euler
            Shift = 7.0
            Steps = 50
            Spacing = Linspace
        }

    [<CompiledName("DefaultRhymeFlow")>]
    let defaultRhymeFlow =
        {
            WarmupSteps = 10
            Budget = 2
            Strategy = Semantic 0.98
            Skip = Skip.defaultSchedule
            Projection = LinearSigma
            Context = LayerKv
            Coupling = SchedulerApprox
        }

    let private ok r = Result.map ignore r

    [<CompiledName("Validate")>]
    let validate spec =
        let n = spec.Sampling.Steps

        let schedule =
            match spec.Schedule with
            | Dense -> []
            | FewerSteps k -> [ Validate.intRange "fewerSteps" 1 n "steps" k |> ok ]
            | RhymeFlow r ->
                [
                    Validate.intRange "warmupSteps" 0 n "steps" r.WarmupSteps |> ok
                    Validate.atLeast "budget" 1 r.Budget |> ok
                    Keyframes.validateStrategy r.Strategy
                    Skip.validate r.Skip |> ok
                ]

        Validate.all (
            [
                Sigmas.spacedLadder spec.Sampling.Solver spec.Sampling.Spacing spec.Sampling.Shift n
                |> ok
            ]
            @ schedule
        )
        |> Result.map (fun () -> spec)

    [<CompiledName("ValidateFor")>]
    let validateFor frames spec =
        validate spec
        |> Result.bind (fun spec ->
            match spec.Schedule with
            | _ when frames < 1 -> Error(Validate.error "frames" frames ">= 1")
            | RhymeFlow r ->
                Validate.intRange "budget" 1 frames "frames" r.Budget
                |> Result.map (fun _ -> spec)
            | Dense
            | FewerSteps _ -> Ok spec)

    [<CompiledName("LadderSteps")>]
    let ladderSteps spec =
        match spec.Schedule with
        | FewerSteps k -> k
        | Dense
        | RhymeFlow _ -> spec.Sampling.Steps
