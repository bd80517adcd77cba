namespace RhymeFlow.Core

open RhymeFlow.Core.JsonSyntax

module internal JsonStudy =
    let private readCache node =
        union
            node
            [
                "teaCache", (fun n -> get n "threshold" asFloat |> Result.map StepCachePolicy.TeaCache)
                "firstBlockCache", (fun n -> get n "threshold" asFloat |> Result.map StepCachePolicy.FirstBlockCache)
            ]

    // A fewer-steps schedule may name a row whose cost it matches instead of its step count.
    let private readRowSchedule node =
        result {
            let! kind = get node "kind" asString

            let! matched =
                if kind = "fewerSteps" then
                    optional node "matchCostOf" asString
                else
                    Ok None

            match matched with
            | Some row -> return FewerStepsMatching row
            | None -> return! JsonSpec.readSchedule node |> Result.map Given
        }

    let private readRow node =
        result {
            let! name = get node "name" asString
            let! schedule = optional node "schedule" readRowSchedule
            let! reduction = optional node "reduction" JsonReduction.read
            let! cache = optional node "cache" readCache

            return
                {
                    Name = name
                    Schedule = Option.defaultValue (Given Dense) schedule
                    Reduction = reduction
                    Cache = cache
                }
        }

    let read node =
        result {
            let! name = get node "name" asString
            let! model = optional node "model" asString
            let! captions = get node "captions" asInt
            let! guidance = optional node "guidance" asFloat
            let! sampling = get node "sampling" JsonSpec.readSampling
            let! reference = get node "reference" asString
            let! repeats = optional node "repeats" asInt
            let! sheet = optional node "contactSheet" Ok

            let! sheetRows =
                match sheet with
                | Some s -> get s "rows" (asList asString)
                | None -> Ok []

            let! sheetCaption =
                match sheet with
                | Some s -> optional s "caption" asInt |> Result.map (Option.defaultValue 0)
                | None -> Ok 0

            let! rows = get node "rows" (asList readRow)

            return!
                Study.validate
                    {
                        Name = name
                        Model = Option.defaultValue "builtin" model
                        Captions = captions
                        Guidance = Option.defaultValue 5.0 guidance
                        Sampling = sampling
                        Reference = reference
                        Repeats = Option.defaultValue 1 repeats
                        SheetRows = sheetRows
                        SheetCaption = sheetCaption
                        Rows = rows
                    }
        }
