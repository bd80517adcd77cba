namespace RhymeFlow.Core

type PeerDecision =
    | Compute
    | Reuse

[<RequireQualifiedAccess>]
module RelativeChange =
    // Mean absolute change relative to the previous vector's mean absolute value; a zero previous vector makes any
    // change infinitely large, which always forces a compute.
    [<CompiledName("OfVectors")>]
    let ofVectors (current: float list) (previous: float list) =
        let meanAbs xs =
            if List.isEmpty xs then 0.0 else xs |> List.averageBy abs

        let diff =
            if current.Length <> previous.Length then
                infinity
            else
                List.map2 (-) current previous |> meanAbs

        let scale = meanAbs previous

        if diff = 0.0 then 0.0
        elif scale = 0.0 then infinity
        else diff / scale

[<RequireQualifiedAccess>]
module PeerBatch =
    [<CompiledName("Decide")>]
    let decide
        (decide: 'State -> 'Observation -> PeerDecision * 'State)
        (computed: 'State -> 'Observation -> 'State)
        (states: 'State list)
        (observations: 'Observation list)
        =
        if states.Length <> observations.Length then
            invalidArg
                (nameof observations)
                $"{states.Length} row states but {observations.Length} observations: one observation per row"

        let rows = List.map2 decide states observations

        if rows |> List.exists (fun (decision, _) -> decision = Compute) then
            Compute, List.map2 computed states observations
        else
            Reuse, List.map snd rows

[<RequireQualifiedAccess>]
module TeaCache =
    type Config =
        {
            Threshold: float
            Coefficients: float list
        }

    type State = { Accumulated: float }

    type Observation =
        { Step: int; Steps: int; Change: float }

    [<CompiledName("Wan13B")>]
    let wan13B threshold =
        {
            Threshold = threshold
            Coefficients = [ 2.39676752e3; -1.31110545e3; 2.01331979e2; -8.29855975; 1.37887774e-1 ]
        }

    [<CompiledName("Validate")>]
    let validate config =
        Validate.all
            [
                Validate.check
                    (System.Double.IsFinite config.Threshold && config.Threshold >= 0.0)
                    "threshold"
                    config.Threshold
                    "a finite number >= 0"
                Validate.check
                    (not config.Coefficients.IsEmpty
                     && config.Coefficients |> List.forall System.Double.IsFinite)
                    "coefficients"
                    (sprintf "%A" config.Coefficients)
                    "at least one coefficient, all finite (highest power first)"
            ]
        |> Result.map (fun () -> config)

    [<CompiledName("Initial")>]
    let initial = { Accumulated = 0.0 }

    [<CompiledName("Rescale")>]
    let rescale coefficients change =
        // Horner, then the clamp: a negative estimate of a distance would let the sum shrink and reuse forever.
        // NaN stays NaN, so that the sum fails the threshold test and the step computes.
        let value = coefficients |> List.fold (fun acc c -> acc * change + c) 0.0
        if System.Double.IsNaN value then value else max 0.0 value

    let private forced observation =
        observation.Step <= 0 || observation.Step >= observation.Steps - 1

    [<CompiledName("Decide")>]
    let decide config state observation =
        if forced observation then
            Compute, initial
        else
            let accumulated = state.Accumulated + rescale config.Coefficients observation.Change

            // Strictly below, so that threshold 0 always computes; a NaN sum fails the test and computes.
            if accumulated < config.Threshold then
                Reuse, { Accumulated = accumulated }
            else
                Compute, initial

    [<CompiledName("DecideBatch")>]
    let decideBatch config states observations =
        PeerBatch.decide (decide config) (fun _ _ -> initial) states observations

[<RequireQualifiedAccess>]
module FirstBlockCache =
    type State = { Reused: int }

    type Observation = { Step: int; Change: float }

    [<CompiledName("Initial")>]
    let initial = { Reused = 0 }

    [<CompiledName("ValidateThreshold")>]
    let validateThreshold threshold =
        Validate.check
            (System.Double.IsFinite threshold && threshold >= 0.0)
            "threshold"
            threshold
            "a finite number >= 0"
        |> Result.map (fun () -> threshold)

    [<CompiledName("Decide")>]
    let decide threshold state (observation: Observation) =
        if observation.Step > 0 && observation.Change < threshold then
            Reuse, { Reused = state.Reused + 1 }
        else
            Compute, initial

    [<CompiledName("DecideBatch")>]
    let decideBatch threshold states observations =
        PeerBatch.decide (decide threshold) (fun _ _ -> initial) states observations

[<RequireQualifiedAccess>]
module FixedPattern =
    [<CompiledName("Decide")>]
    let decide mask step =
        match List.tryItem step mask with
        | Some false -> Reuse
        | Some true
        | None -> Compute

    [<CompiledName("OfDecisions")>]
    let ofDecisions decisions = decisions |> List.map ((=) Compute)
