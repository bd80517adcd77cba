namespace RhymeFlow.Core

[<RequireQualifiedAccess>]
type StepCachePolicy =
    | TeaCache of threshold: float
    | FirstBlockCache of threshold: float

type RowSchedule =
    | Given of Schedule
    | FewerStepsMatching of row: string

type StudyRow =
    {
        Name: string
        Schedule: RowSchedule
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
    }

[<RequireQualifiedAccess>]
type StudyMethod =
    | Dense
    | RhymeFlow
    | FewerSteps
    | TeaCache
    | FirstBlockCache
    | AsymRnR
    | RhymeFlowAsymRnR

type Study =
    {
        Name: string
        Model: string
        Captions: int
        Guidance: float
        Sampling: Sampling
        Reference: string
        Repeats: int
        SheetRows: string list
        SheetCaption: int
        Rows: StudyRow list
    }

type ResolvedRow =
    {
        Name: string
        Method: StudyMethod
        Spec: Spec
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
        PredictedSpeedup: float option
    }

[<RequireQualifiedAccess>]
module Study =
    let private bind f r = Result.bind f r

    let private rowField i name = $"rows[{i}].{name}"

    let private checkRow (study: Study) names i (row: StudyRow) =
        let spec schedule =
            {
                Sampling = study.Sampling
                Schedule = schedule
            }

        let schedule =
            match row.Schedule with
            | Given schedule ->
                Spec.validate (spec schedule)
                |> Result.map ignore
                |> Result.mapError (fun e ->
                    { e with
                        Field = rowField i $"schedule.{e.Field}"
                    })
            | FewerStepsMatching target ->
                let matched =
                    study.Rows
                    |> List.tryFind (fun r -> r.Name = target)
                    |> Option.map (fun r -> r.Schedule)

                match matched with
                | Some(Given _) -> Ok()
                | Some(FewerStepsMatching _) ->
                    Error(Validate.error (rowField i "schedule.matchCostOf") target "a row whose own schedule is given")
                | None -> Error(Validate.error (rowField i "schedule.matchCostOf") target $"one of the rows: {names}")

        let cache =
            match row.Cache, row.Schedule with
            | None, _ -> Ok()
            | Some(StepCachePolicy.TeaCache t), _
            | Some(StepCachePolicy.FirstBlockCache t), _ when not (t >= 0.0 && t < infinity) ->
                Error(Validate.error (rowField i "cache.threshold") t "a finite threshold >= 0")
            | Some _, Given(RhymeFlow _) ->
                Error(
                    Validate.error
                        (rowField i "cache")
                        row.Name
                        "a dense or fewer-steps schedule: a step cache skips whole steps, RhymeFlow skips frames"
                )
            | Some _, _ -> Ok()

        let reduction =
            match row.Reduction with
            | Some r ->
                Reduction.validate r
                |> Result.map ignore
                |> Result.mapError (fun e ->
                    { e with
                        Field = rowField i $"reduction.{e.Field}"
                    })
            | None -> Ok()

        Validate.all
            [
                Validate.check (row.Name.Trim() <> "") (rowField i "name") row.Name "a non-empty name"
                schedule
                cache
                reduction
            ]

    [<CompiledName("Validate")>]
    let validate (study: Study) =
        let names = study.Rows |> List.map (fun r -> r.Name)
        let listed = String.concat ", " names
        let exists name = List.contains name names

        let duplicate =
            names |> List.countBy id |> List.tryFind (fun (_, n) -> n > 1) |> Option.map fst

        let missingSheetRow = study.SheetRows |> List.tryFind (exists >> not)

        Validate.all
            [
                Validate.check (not study.Rows.IsEmpty) "rows" "[]" "at least one row"
                Validate.check duplicate.IsNone "rows" (Option.defaultValue "" duplicate) "unique row names"
                Validate.check (exists study.Reference) "reference" study.Reference $"one of the rows: {listed}"
                Validate.check
                    missingSheetRow.IsNone
                    "contactSheet.rows"
                    (Option.defaultValue "" missingSheetRow)
                    $"names of rows: {listed}"
                Validate.atLeast "captions" 1 study.Captions |> Result.map ignore
                Validate.check
                    (study.SheetCaption >= 0 && study.SheetCaption < study.Captions)
                    "contactSheet.caption"
                    study.SheetCaption
                    $"0..{study.Captions - 1} (captions)"
                Validate.atLeast "repeats" 1 study.Repeats |> Result.map ignore
                Validate.check
                    (study.Guidance >= 1.0 && study.Guidance < infinity)
                    "guidance"
                    study.Guidance
                    "a finite scale >= 1"
                yield! study.Rows |> List.mapi (checkRow study listed)
            ]
        |> Result.map (fun () -> study)

    [<CompiledName("MethodOf")>]
    let methodOf schedule reduction cache =
        let reduced =
            match reduction with
            | Some { Policy = NoReduction }
            | None -> false
            | Some _ -> true

        match cache, schedule, reduced with
        | Some(StepCachePolicy.TeaCache _), _, _ -> StudyMethod.TeaCache
        | Some(StepCachePolicy.FirstBlockCache _), _, _ -> StudyMethod.FirstBlockCache
        | None, RhymeFlow _, true -> StudyMethod.RhymeFlowAsymRnR
        | None, RhymeFlow _, false -> StudyMethod.RhymeFlow
        | None, _, true -> StudyMethod.AsymRnR
        | None, FewerSteps _, false -> StudyMethod.FewerSteps
        | None, Dense, false -> StudyMethod.Dense

    [<CompiledName("PredictedSpeedup")>]
    let predictedSpeedup (geometry: Geometry) spec reduction =
        Plan.prepare spec geometry.Frames
        |> Result.map Plan.preview
        |> bind (fun plan ->
            match reduction with
            | None -> Cost.ofPlan geometry plan
            | Some r ->
                Reduction.compile geometry.Layers (Spec.ladderSteps spec) r
                |> bind (ReductionCost.ofPlan geometry plan))
        |> Result.map (fun cost -> cost.Speedup)

    [<CompiledName("MatchedSteps")>]
    let matchedSteps steps speedup =
        if not (speedup > 0.0) then
            steps
        else
            float steps / speedup |> round |> int |> max 1 |> min steps

    [<CompiledName("Resolve")>]
    let resolve geometry study =
        let spec schedule =
            {
                Sampling = study.Sampling
                Schedule = schedule
            }

        let given (row: StudyRow) =
            match row.Schedule with
            | Given schedule -> Ok(spec schedule)
            | FewerStepsMatching target ->
                let targetRow = study.Rows |> List.find (fun r -> r.Name = target)

                match targetRow.Schedule with
                | Given schedule ->
                    predictedSpeedup geometry (spec schedule) targetRow.Reduction
                    |> Result.map (fun speedup -> spec (FewerSteps(matchedSteps study.Sampling.Steps speedup)))
                | FewerStepsMatching _ -> Error(Validate.error "matchCostOf" target "a row whose own schedule is given")

        let resolveRow (row: StudyRow) =
            given row
            |> bind (fun spec ->
                let predicted =
                    match row.Cache with
                    | Some _ -> Ok None
                    | None -> predictedSpeedup geometry spec row.Reduction |> Result.map Some

                predicted
                |> Result.map (fun predicted ->
                    {
                        Name = row.Name
                        Method = methodOf spec.Schedule row.Reduction row.Cache
                        Spec = spec
                        Reduction = row.Reduction
                        Cache = row.Cache
                        PredictedSpeedup = predicted
                    }))

        validate study
        |> bind (fun study ->
            study.Rows
            |> List.fold
                (fun acc row -> acc |> bind (fun rows -> resolveRow row |> Result.map (fun r -> r :: rows)))
                (Ok [])
            |> Result.map List.rev)

    [<CompiledName("ExecutedFraction")>]
    let executedFraction blocksRun steps layers =
        if steps <= 0 || layers <= 0 then
            nan
        else
            float blocksRun / float (steps * layers)
