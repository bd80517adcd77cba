namespace RhymeFlow.Core

open System

type ProgressiveSkip =
    {
        Min: int
        Max: int
        First: float
        Second: float
    }

type SkipSchedule =
    | Fixed of k: int
    | Progressive of ProgressiveSkip

type Group = { Start: int; End: int }

[<RequireQualifiedAccess>]
module Skip =
    [<CompiledName("Default")>]
    let defaultSchedule =
        Progressive
            {
                Min = 3
                Max = 5
                First = 0.3
                Second = 0.7
            }

    [<CompiledName("Validate")>]
    let validate skip =
        match skip with
        | Fixed k -> Validate.atLeast "skip.k" 1 k |> Result.map (fun _ -> skip)
        | Progressive p ->
            Validate.all
                [
                    Validate.atLeast "skip.min" 1 p.Min |> Result.map ignore
                    Validate.atLeast "skip.max" p.Min p.Max
                    |> Result.mapError (fun e ->
                        { e with
                            Allowed = $">= {p.Min} (skip.min)"
                        })
                    |> Result.map ignore
                    Validate.unitInterval "skip.first" p.First |> Result.map ignore
                    Validate.unitInterval "skip.second" p.Second |> Result.map ignore
                    (if p.Second >= p.First then
                         Ok()
                     else
                         Error(Validate.error "skip.second" p.Second $"[{p.First}, 1] (>= skip.first)"))
                ]
            |> Result.map (fun () -> skip)

    let private roundHalfEven (x: float) =
        int (Math.Round(x, MidpointRounding.ToEven))

    let private length skip warmup steps start =
        match skip with
        | Fixed k -> k
        | Progressive p ->
            let off = start - warmup + 1
            let r = float (steps - warmup)

            if off <= roundHalfEven (p.First * r) then
                p.Min
            elif off <= roundHalfEven (p.Second * r) then
                min (p.Min + 1) p.Max
            else
                p.Max

    [<CompiledName("Groups")>]
    let groups skip warmup steps =
        List.unfold
            (fun start ->
                if start >= steps then
                    None
                else
                    let stop = min steps (start + max 1 (length skip warmup steps start))
                    Some({ Start = start; End = stop }, stop))
            (max warmup 0)

    [<CompiledName("Grow")>]
    let grow skip =
        match skip with
        | Fixed k -> Fixed(k + 1)
        | Progressive p ->
            Progressive
                { p with
                    Min = p.Min + 1
                    Max = p.Max + 1
                }
