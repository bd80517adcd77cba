namespace RhymeFlow.Core

type Projection =
    | LinearSigma
    | LinearTimestep
    | FoCa of heunCorrection: bool
    | Frozen

[<RequireQualifiedAccess>]
module Projection =
    let private ratio (values: float list) start stop j =
        let at i = List.item i values
        let span = at start - at stop
        // Integer timesteps can repeat on very long ladders; a zero span means no distance to cover.
        if span <= 0.0 then
            1.0
        else
            (at start - at j) / span |> max 0.0 |> min 1.0

    [<CompiledName("Alpha")>]
    let alpha projection (ladder: Ladder) start stop j =
        match projection with
        | LinearSigma
        | FoCa _ -> ratio ladder.Sigmas start stop j
        | LinearTimestep -> ratio (ladder.Timesteps @ [ 0.0 ]) start stop j
        | Frozen -> if j >= stop then 1.0 else 0.0
