namespace RhymeFlow.Core

type PeerDecision =
    | Compute
    | Reuse

module private Relative =
    // Mean absolute change relative to the previous vector's mean absolute value; a zero previous
    // vector makes any change infinitely large, which always forces a compute.
    let change (current: float list) (previous: float list) =
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
module TeaCache =
    type Config =
        {
            Threshold: float
            Coefficients: float list
        }

    type State =
        {
            Accumulated: float
            Previous: float list option
        }

    type Observation =
        {
            Step: int
            Steps: int
            Modulated: float list
        }

    [<CompiledName("Wan13B")>]
    let wan13B threshold =
        {
            Threshold = threshold
            Coefficients = [ 2.39676752e3; -1.31110545e3; 2.01331979e2; -8.29855975; 1.37887774e-1 ]
        }

    [<CompiledName("Initial")>]
    let initial = { Accumulated = 0.0; Previous = None }

    let private polynomial coefficients x =
        coefficients |> List.fold (fun acc c -> acc * x + c) 0.0

    [<CompiledName("Decide")>]
    let decide config state observation =
        let computed =
            {
                Accumulated = 0.0
                Previous = Some observation.Modulated
            }

        match state.Previous with
        | Some previous when observation.Step > 0 && observation.Step < observation.Steps - 1 ->
            let accumulated =
                state.Accumulated
                + polynomial config.Coefficients (Relative.change observation.Modulated previous)

            if accumulated < config.Threshold then
                Reuse,
                {
                    Accumulated = accumulated
                    Previous = Some observation.Modulated
                }
            else
                Compute, computed
        | _ -> Compute, computed

[<RequireQualifiedAccess>]
module FirstBlockCache =
    type State = { PreviousResidual: float list option }

    type Observation = { Residual: float list }

    [<CompiledName("Initial")>]
    let initial = { PreviousResidual = None }

    [<CompiledName("Decide")>]
    let decide threshold state observation =
        let next =
            {
                PreviousResidual = Some observation.Residual
            }

        match state.PreviousResidual with
        | Some previous when Relative.change observation.Residual previous <= threshold -> Reuse, next
        | _ -> Compute, next

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
