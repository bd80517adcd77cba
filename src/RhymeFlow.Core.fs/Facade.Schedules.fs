namespace RhymeFlow.Core

// The C# facade's entry points: the Schedules factory, ScheduleSpec, PreparedPlan and Geometries.

open System
open System.Runtime.InteropServices

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
    member _.Shift = spec.Sampling.Shift

    member _.Solver =
        match spec.Sampling.Solver with
        | Euler -> SolverKind.Euler
        | UniPC -> SolverKind.UniPC
        | Ddim -> SolverKind.Ddim

    /// The spacing of the ladder the plan is compiled on.
    member _.Spacing =
        match spec.Sampling.Spacing with
        | SolverDefault -> SpacingKind.SolverDefault
        | Linspace -> SpacingKind.Linspace

    /// Where keyframe-only evaluations take the non-keyframe context from (LayerKv for dense schedules).
    member _.Context =
        match spec.Schedule with
        | RhymeFlow r -> Interop.contextKind r.Context
        | Dense
        | FewerSteps _ -> ContextKind.LayerKv

    /// How keyframes step between full evaluations (SchedulerApprox for dense schedules).
    member _.Coupling =
        match spec.Schedule with
        | RhymeFlow { Coupling = KeyframeEuler } -> CouplingKind.KeyframeEuler
        | RhymeFlow _
        | Dense
        | FewerSteps _ -> CouplingKind.SchedulerApprox

    /// How non-keyframes move through a group's inner steps (LinearSigma for dense schedules).
    member _.Projection =
        match spec.Schedule with
        | RhymeFlow r ->
            match r.Projection with
            | LinearSigma -> ProjectionKind.LinearSigma
            | LinearTimestep -> ProjectionKind.LinearTimestep
            | FoCa _ -> ProjectionKind.FoCa
            | Frozen -> ProjectionKind.Frozen
        | Dense
        | FewerSteps _ -> ProjectionKind.LinearSigma

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
    static member CogVideoX15_5B = Cost.cogVideoX15_5B
    static member HunyuanVideo720p = Cost.hunyuanVideo720p
    static member Mini = Cost.mini

[<AbstractClass; Sealed>]
type Schedules =
    static member private Sampling(solver, shift, steps, spacing) =
        {
            Solver =
                (match Interop.defined "solver" solver with
                 | SolverKind.Euler -> Euler
                 | SolverKind.Ddim -> Ddim
                 | _ -> UniPC)
            Shift = shift
            Steps = steps
            Spacing =
                match Interop.defined "spacing" spacing with
                | SpacingKind.Linspace -> Linspace
                | _ -> SolverDefault
        }

    static member private Validated(spec: Spec) =
        Spec.validate spec |> Interop.orThrow |> ScheduleSpec

    static member Dense
        (
            [<Optional; DefaultParameterValue(50)>] steps: int,
            [<Optional; DefaultParameterValue(3.0)>] shift: float,
            [<Optional; DefaultParameterValue(SolverKind.UniPC)>] solver: SolverKind,
            [<Optional; DefaultParameterValue(SpacingKind.SolverDefault)>] spacing: SpacingKind
        ) =
        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, steps, spacing)
                Schedule = Dense
            }

    /// A dense run on `steps` steps, compared against `baselineSteps`.
    static member FewerSteps
        (
            steps: int,
            [<Optional; DefaultParameterValue(50)>] baselineSteps: int,
            [<Optional; DefaultParameterValue(3.0)>] shift: float,
            [<Optional; DefaultParameterValue(SolverKind.UniPC)>] solver: SolverKind,
            [<Optional; DefaultParameterValue(SpacingKind.SolverDefault)>] spacing: SpacingKind
        ) =
        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, baselineSteps, spacing)
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
            [<Optional; DefaultParameterValue(3.0)>] shift: float,
            [<Optional; DefaultParameterValue(SpacingKind.SolverDefault)>] spacing: SpacingKind
        ) =
        let strategy =
            match Interop.defined "strategy" strategy with
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
            match Interop.defined "projection" projection with
            | ProjectionKind.LinearTimestep -> LinearTimestep
            | ProjectionKind.FoCa -> FoCa heunCorrection
            | ProjectionKind.Frozen -> Frozen
            | _ -> LinearSigma

        Schedules.Validated
            {
                Sampling = Schedules.Sampling(solver, shift, steps, spacing)
                Schedule =
                    RhymeFlow
                        {
                            WarmupSteps = warmupSteps
                            Budget = keyframes
                            Strategy = strategy
                            Skip = skip
                            Projection = projection
                            Context = Interop.context (Interop.defined "context" context)
                            Coupling =
                                (if Interop.defined "coupling" coupling = CouplingKind.KeyframeEuler then
                                     KeyframeEuler
                                 else
                                     SchedulerApprox)
                        }
            }

    static member FromJson(json: string) = ScheduleSpec.FromJson json
