namespace RhymeFlow.Core

open System

[<RequireQualifiedAccess>]
module Render =
    // When several evaluations share a step, the strongest mark wins: F over A over P over idle.
    let private rank =
        function
        | 'F' -> 3
        | 'A' -> 2
        | 'P' -> 1
        | _ -> 0

    let private mark (plan: Plan) (evaluation: Evaluation) frame =
        match evaluation.Kind, List.item frame evaluation.Transitions with
        | (Full _ | Correction), _ -> 'F'
        | Active(frames, _), _ when List.contains frame frames -> 'A'
        | Active _, Projected _ -> 'P'
        | Active _, _ -> '.'

    [<CompiledName("Grid")>]
    let grid (plan: Plan) =
        let n = Plan.steps plan
        let byStep = plan.Evaluations |> List.groupBy (fun e -> e.Step) |> Map.ofList

        List.init plan.Frames (fun f ->
            String(
                Array.init n (fun step ->
                    match Map.tryFind step byStep with
                    | Some evaluations -> evaluations |> List.map (fun e -> mark plan e f) |> List.maxBy rank
                    | None -> '.')
            ))

    [<CompiledName("Render")>]
    let render (plan: Plan) =
        let n = Plan.steps plan

        let ruler =
            String(Array.init n (fun i -> if i % 10 = 0 then char (int '0' + (i / 10) % 10) else ' '))

        let ones = String(Array.init n (fun i -> char (int '0' + i % 10)))

        let rows =
            grid plan
            |> List.mapi (fun f row ->
                let key = if List.contains f plan.Keyframes then "*" else " "
                $"{f, 3}{key} {row}")

        let full, active =
            plan.Evaluations
            |> List.fold
                (fun (full, active) e ->
                    match e.Kind with
                    | Full _
                    | Correction -> (full + 1, active)
                    | Active _ -> (full, active + 1))
                (0, 0)

        [ $"     {ruler}"; $"     {ones}" ]
        @ rows
        @ [
            $"F full  A active  P projected  . idle  * keyframe   ({full} full, {active} active evaluations)"
        ]
        |> String.concat "\n"
