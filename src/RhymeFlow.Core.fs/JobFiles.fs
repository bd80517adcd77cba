namespace RhymeFlow.Core

open System
open System.Text.Json
open RhymeFlow.Core.JsonSyntax

[<RequireQualifiedAccess>]
module JobFiles =
    // ---- result files --------------------------------------------------------------------------

    let private optionalInt (w: Utf8JsonWriter) (name: string) (x: int option) =
        match x with
        | Some v -> w.WriteNumber(name, v)
        | None -> w.WriteNull name

    [<CompiledName("WriteResult")>]
    let writeResult (job: Job) (result: JobResult) =
        write (fun w ->
            obj w "" "" (fun () ->
                w.WriteString("key", result.Key)
                // For people reading the folder; the key alone identifies the job.
                w.WriteString("output", job.Output)

                match result.Outcome with
                | Failed error -> obj w "outcome" "failed" (fun () -> w.WriteString("error", error))
                | Succeeded m ->
                    obj w "outcome" "succeeded" (fun () ->
                        anyNumber w "seconds" m.Seconds

                        match m.Judgement with
                        | None -> w.WriteNull "judgement"
                        | Some j ->
                            obj w "judgement" "" (fun () ->
                                w.WriteBoolean("count", j.Count)
                                w.WriteBoolean("colour", j.Colour)
                                w.WriteBoolean("shape", j.Shape)
                                w.WriteBoolean("motion", j.Motion)
                                w.WriteBoolean("speed", j.Speed)
                                anyNumber w "adherence" j.Adherence)

                        optionalInt w "blocksRun" m.BlocksRun
                        optionalInt w "computedSteps" m.ComputedSteps)))

    // Non-finite numbers travel as strings ("NaN", "Infinity").
    let private anyFloat node =
        match node.Element.ValueKind with
        | JsonValueKind.String ->
            (match
                Double.TryParse(
                    node.Element.GetString(),
                    Globalization.NumberStyles.Float,
                    Globalization.CultureInfo.InvariantCulture
                )
             with
             | true, v -> Ok v
             | _ -> fail node "a number")
        | _ -> asFloat node

    let private nullable read node =
        match node.Element.ValueKind with
        | JsonValueKind.Null -> Ok None
        | _ -> read node |> Result.map Some

    let private readJudgement node =
        result {
            let! count = get node "count" asBool
            let! colour = get node "colour" asBool
            let! shape = get node "shape" asBool
            let! motion = get node "motion" asBool
            let! speed = get node "speed" asBool
            let! adherence = get node "adherence" anyFloat

            return
                {
                    Count = count
                    Colour = colour
                    Shape = shape
                    Motion = motion
                    Speed = speed
                    Adherence = adherence
                }
        }

    let private readOutcome node =
        union
            node
            [
                "failed", (fun n -> get n "error" asString |> Result.map Failed)
                "succeeded",
                (fun n ->
                    result {
                        let! seconds = get n "seconds" anyFloat
                        let! judgement = get n "judgement" (nullable readJudgement)
                        let! blocks = get n "blocksRun" (nullable asInt)
                        let! steps = get n "computedSteps" (nullable asInt)

                        return
                            Succeeded
                                {
                                    Seconds = seconds
                                    Judgement = judgement
                                    BlocksRun = blocks
                                    ComputedSteps = steps
                                }
                    })
            ]

    [<CompiledName("ReadResult")>]
    let readResult json =
        parse json (fun node ->
            result {
                let! key = get node "key" asString
                let! outcome = get node "outcome" readOutcome
                return ({ Key = key; Outcome = outcome }: JobResult)
            })

    [<CompiledName("WriteComparison")>]
    let writeComparison (comparison: JobComparison) =
        write (fun w ->
            obj w "" "" (fun () ->
                w.WriteString("key", comparison.Key)
                w.WriteString("reference", comparison.Reference)
                anyNumber w "psnr" comparison.Psnr
                anyNumber w "ssim" comparison.Ssim))

    [<CompiledName("ReadComparison")>]
    let readComparison json =
        parse json (fun node ->
            result {
                let! key = get node "key" asString
                let! reference = get node "reference" asString
                let! psnr = get node "psnr" anyFloat
                let! ssim = get node "ssim" anyFloat

                return
                    ({
                        Key = key
                        Reference = reference
                        Psnr = psnr
                        Ssim = ssim
                    }
                    : JobComparison)
            })
