namespace RhymeFlow.Core

type Forecast =
    | Current
    | SecondOrder of previous: int

type FrameTransition =
    | Advance
    | Jump of target: int * forecast: Forecast
    | Projected of alpha: float * groupStart: int * groupEnd: int
    | Correct of jumpEvaluation: int
    | Idle

type EvaluationKind =
    | Full of recordContext: int list
    | Active of frames: int list * context: ContextMode
    | Correction

type Evaluation =
    {
        Index: int
        Step: int
        Kind: EvaluationKind
        Transitions: FrameTransition list
        SigmaIndex: int list
    }

type Plan =
    {
        Spec: Spec
        Frames: int
        Ladder: Ladder
        Keyframes: int list
        Evaluations: Evaluation list
    }

type Selection =
    {
        AfterEvaluation: int
        Strategy: KeyframeStrategy
        Budget: int
    }

[<Sealed>]
type Prepared(spec: Spec, frames: int, ladder: Ladder) =
    member _.Spec = spec
    member _.Frames = frames
    member _.Ladder = ladder

[<RequireQualifiedAccess>]
module Plan =
    // Evaluations are emitted in order; the accumulator knows the next index and the last full
    // evaluation, which FoCa's forecast refers back to.
    type private Emitted =
        {
            Reversed: Evaluation list
            Count: int
            LastFull: int option
        }

    let private emit acc (evaluation: Evaluation) =
        {
            Reversed = { evaluation with Index = acc.Count } :: acc.Reversed
            Count = acc.Count + 1
            LastFull =
                match evaluation.Kind with
                | Full _ -> Some acc.Count
                | Active _
                | Correction -> acc.LastFull
        }

    let private evaluation frames step kind transitionOf =
        {
            Index = 0
            Step = step
            Kind = kind
            Transitions = List.init frames transitionOf
            SigmaIndex = List.replicate frames step
        }

    let private denseStep frames acc step =
        emit acc (evaluation frames step (Full []) (fun _ -> Advance))

    let private group (prepared: Prepared) (spec: RhymeFlowSpec) (keys: int list) acc (g: Group) =
        let frames = prepared.Frames
        let isKey f = List.contains f keys
        let nonKeys = [ 0 .. frames - 1 ] |> List.filter (isKey >> not)

        // A one-step group or a clip of keyframes only is a dense step: this is what makes M = F
        // and skip 1 reproduce the dense plan exactly.
        if g.End - g.Start = 1 || List.isEmpty nonKeys then
            [ g.Start .. g.End - 1 ] |> List.fold (denseStep frames) acc
        else
            let perFrame key other f = if isKey f then key else other

            let record =
                match spec.Context with
                | LayerKv
                | LayerHidden _ -> nonKeys
                | ProjectedLatents
                | KeyframesOnly -> []

            let forecast =
                match spec.Projection, acc.LastFull with
                | FoCa _, Some previous -> SecondOrder previous
                | _ -> Current

            let jumpIndex = acc.Count

            let started =
                emit acc (evaluation frames g.Start (Full record) (perFrame Advance (Jump(g.End, forecast))))

            let inner acc j =
                let other =
                    match spec.Context with
                    | KeyframesOnly -> Idle
                    | LayerKv
                    | LayerHidden _
                    | ProjectedLatents ->
                        Projected(Projection.alpha spec.Projection prepared.Ladder g.Start g.End j, g.Start, g.End)

                emit acc (evaluation frames j (Active(keys, spec.Context)) (perFrame Advance other))

            let grouped = [ g.Start + 1 .. g.End - 1 ] |> List.fold inner started

            // No correction at the last group end: σ = 0 there, and Heun skips its final corrector.
            match spec.Projection with
            | FoCa true when g.End < Sigmas.steps prepared.Ladder ->
                emit grouped (evaluation frames g.End Correction (perFrame Idle (Correct jumpIndex)))
            | FoCa _
            | LinearSigma
            | LinearTimestep
            | Frozen -> grouped

    let private start =
        {
            Reversed = []
            Count = 0
            LastFull = None
        }

    let private warmupSteps (prepared: Prepared) =
        match prepared.Spec.Schedule with
        | RhymeFlow r -> r.WarmupSteps
        | Dense
        | FewerSteps _ -> Sigmas.steps prepared.Ladder

    let private run (prepared: Prepared) keys =
        let n = Sigmas.steps prepared.Ladder

        let warm =
            [ 0 .. warmupSteps prepared - 1 ] |> List.fold (denseStep prepared.Frames) start

        let all =
            match prepared.Spec.Schedule with
            | RhymeFlow r -> Skip.groups r.Skip r.WarmupSteps n |> List.fold (group prepared r keys) warm
            | Dense
            | FewerSteps _ -> warm

        List.rev all.Reversed

    [<CompiledName("Prepare")>]
    let prepare spec frames =
        Spec.validateFor frames spec
        |> Result.bind (fun spec ->
            Sigmas.spacedLadder spec.Sampling.Solver spec.Sampling.Spacing spec.Sampling.Shift (Spec.ladderSteps spec)
            |> Result.map (fun ladder -> Prepared(spec, frames, ladder)))

    [<CompiledName("Selection")>]
    let selection (prepared: Prepared) =
        match prepared.Spec.Schedule with
        | RhymeFlow r ->
            Some
                {
                    AfterEvaluation = r.WarmupSteps - 1
                    Strategy = r.Strategy
                    Budget = min r.Budget prepared.Frames
                }
        | Dense
        | FewerSteps _ -> None

    [<CompiledName("Warmup")>]
    let warmup (prepared: Prepared) =
        [ 0 .. warmupSteps prepared - 1 ]
        |> List.fold (denseStep prepared.Frames) start
        |> fun acc -> List.rev acc.Reversed

    let private build (prepared: Prepared) (keyframes: KeyframeSet) =
        let keys =
            match prepared.Spec.Schedule with
            | RhymeFlow _ -> keyframes.Indices
            | Dense
            | FewerSteps _ -> []

        {
            Spec = prepared.Spec
            Frames = prepared.Frames
            Ladder = prepared.Ladder
            Keyframes = keys
            Evaluations = run prepared keys
        }

    [<CompiledName("Complete")>]
    let complete (prepared: Prepared) (keyframes: KeyframeSet) =
        if keyframes.Frames <> prepared.Frames then
            Error(Validate.error "keyframes.frames" keyframes.Frames $"{prepared.Frames} (frames)")
        else
            Ok(build prepared keyframes)

    [<CompiledName("Preview")>]
    let preview (prepared: Prepared) =
        match selection prepared with
        | Some s -> Keyframes.preview s.Strategy s.Budget prepared.Frames
        | None -> Keyframes.preview FirstM prepared.Frames prepared.Frames
        |> build prepared

    [<CompiledName("Compile")>]
    let compile spec frames keyframes =
        prepare spec frames
        |> Result.bind (fun prepared ->
            match selection prepared with
            | Some _ -> KeyframeSet.create frames keyframes |> Result.bind (complete prepared)
            | None -> Ok(preview prepared))

    [<CompiledName("ComputedFrames")>]
    let computedFrames (plan: Plan) (evaluation: Evaluation) =
        match evaluation.Kind with
        | Full _
        | Correction -> [ 0 .. plan.Frames - 1 ]
        | Active(frames, _) -> frames

    [<CompiledName("Steps")>]
    let steps (plan: Plan) = Sigmas.steps plan.Ladder

    [<CompiledName("SigmaIndexMatrix")>]
    let sigmaIndexMatrix (plan: Plan) =
        let n = steps plan

        List.init plan.Frames (fun f -> (plan.Evaluations |> List.map (fun e -> List.item f e.SigmaIndex)) @ [ n ])

    [<CompiledName("NoiseLadder")>]
    let noiseLadder (plan: Plan) =
        Sigmas.spacedNoiseLadder
            plan.Spec.Sampling.Solver
            plan.Spec.Sampling.Spacing
            plan.Spec.Sampling.Shift
            (steps plan)

    [<CompiledName("Blend")>]
    let blend (plan: Plan) start stop j =
        let n = steps plan

        Validate.intRange "start" 0 (n - 1) "steps - 1" start
        |> Result.bind (fun start -> Validate.intRange "stop" (start + 1) n "steps" stop)
        |> Result.bind (fun stop -> Validate.intRange "j" start stop "the group" j)
        |> Result.bind (fun j ->
            noiseLadder plan
            |> Result.map (fun ladder -> Transition.blend ladder start stop j))

    [<CompiledName("FromPrediction")>]
    let fromPrediction (plan: Plan) start j =
        let n = steps plan

        Validate.intRange "start" 0 (n - 1) "steps - 1" start
        |> Result.bind (fun start -> Validate.intRange "j" (start + 1) n "steps" j)
        |> Result.bind (fun j ->
            noiseLadder plan
            |> Result.map (fun ladder -> Transition.fromPrediction ladder start j))

    [<CompiledName("Projected")>]
    let projected (plan: Plan) start stop j =
        let projection =
            match plan.Spec.Schedule with
            | RhymeFlow r -> r.Projection
            | Dense
            | FewerSteps _ -> LinearSigma

        blend plan start stop j
        |> Result.bind (fun _ ->
            noiseLadder plan
            |> Result.map (fun ladder -> Transition.projected projection ladder start stop j))

    [<CompiledName("Velocity")>]
    let velocity (plan: Plan) step =
        Validate.intRange "step" 0 (steps plan - 1) "steps - 1" step
        |> Result.bind (fun step -> noiseLadder plan |> Result.map (fun ladder -> Transition.velocity ladder step))

    [<CompiledName("ForecastSlope")>]
    let forecastSlope (plan: Plan) previous step target =
        let n = steps plan

        Validate.intRange "previous" 0 (n - 2) "steps - 2" previous
        |> Result.bind (fun previous -> Validate.intRange "step" (previous + 1) (n - 1) "steps - 1" step)
        |> Result.bind (fun step -> Validate.intRange "target" (step + 1) n "steps" target)
        |> Result.bind (fun target ->
            noiseLadder plan
            |> Result.map (fun ladder -> Transition.forecastSlope ladder previous step target))

    [<CompiledName("Heun")>]
    let heun (plan: Plan) start stop =
        let n = steps plan

        Validate.intRange "start" 0 (n - 2) "steps - 2" start
        |> Result.bind (fun start -> Validate.intRange "stop" (start + 1) (n - 1) "steps - 1" stop)
        |> Result.bind (fun stop -> noiseLadder plan |> Result.map (fun ladder -> Transition.heun ladder start stop))
