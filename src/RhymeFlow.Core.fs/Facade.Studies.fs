namespace RhymeFlow.Core

// The C# facade of studies: a study file resolved into rows the host can run.

open System

type StudyMethodKind =
    | Dense = 0
    | RhymeFlow = 1
    | FewerSteps = 2
    | TeaCache = 3
    | FirstBlockCache = 4
    | AsymRnR = 5
    | RhymeFlowAsymRnR = 6

/// One row of a study, concrete for the study's geometry.
[<Sealed>]
type StudyRowPlan internal (row: ResolvedRow) =
    member _.Row = row
    member _.Name = row.Name

    member _.Method =
        match row.Method with
        | StudyMethod.Dense -> StudyMethodKind.Dense
        | StudyMethod.RhymeFlow -> StudyMethodKind.RhymeFlow
        | StudyMethod.FewerSteps -> StudyMethodKind.FewerSteps
        | StudyMethod.TeaCache -> StudyMethodKind.TeaCache
        | StudyMethod.FirstBlockCache -> StudyMethodKind.FirstBlockCache
        | StudyMethod.AsymRnR -> StudyMethodKind.AsymRnR
        | StudyMethod.RhymeFlowAsymRnR -> StudyMethodKind.RhymeFlowAsymRnR

    member _.Schedule = ScheduleSpec row.Spec

    /// The AsymRnR spec; null when the row runs dense attention.
    member _.Reduction =
        match row.Reduction with
        | Some r -> TokenReductionSpec r
        | None -> Unchecked.defaultof<TokenReductionSpec>

    /// The step cache; null when the row runs every block.
    member _.CacheKind =
        match row.Cache with
        | Some(StepCachePolicy.TeaCache _) -> Nullable StepCacheKind.TeaCache
        | Some(StepCachePolicy.FirstBlockCache _) -> Nullable StepCacheKind.FirstBlock
        | None -> Nullable()

    /// The step cache's threshold; NaN without a cache.
    member _.CacheThreshold =
        match row.Cache with
        | Some(StepCachePolicy.TeaCache t)
        | Some(StepCachePolicy.FirstBlockCache t) -> t
        | None -> nan

    /// The cost model's speedup over dense on N steps; NaN for a step cache (its work depends on the data).
    member _.PredictedSpeedup = Option.defaultValue nan row.PredictedSpeedup

    override _.ToString() = row.Name

/// A study file resolved for a geometry: what `rhymeflow study` runs.
[<Sealed>]
type StudyPlan internal (study: Study, geometry: Geometry, rows: ResolvedRow list) =
    member _.Study = study
    member _.Name = study.Name
    member _.Model = study.Model
    member _.Captions = study.Captions
    member _.Guidance = study.Guidance
    member _.Steps = study.Sampling.Steps
    member _.Reference = study.Reference
    member _.Repeats = study.Repeats
    member _.SheetRows = Interop.list study.SheetRows
    member _.SheetCaption = study.SheetCaption
    member _.Rows = rows |> List.map StudyRowPlan |> Interop.list

    static member private Resolved(study: Study, geometry: Geometry) =
        Study.resolve geometry study
        |> Result.map (fun rows -> StudyPlan(study, geometry, rows))

    /// Reads, validates and resolves a study file for `geometry`; errors name the JSON path.
    static member FromJson(json: string, geometry: Geometry) =
        ArgumentNullException.ThrowIfNull json

        Json.readStudy json
        |> Result.bind (fun study -> StudyPlan.Resolved(study, geometry))
        |> Interop.orThrow

    /// The same study on `captions` of the held-out captions (a quick check); the contact sheet's caption
    /// moves to the last of them when it would fall outside.
    member _.WithCaptions(captions: int) =
        StudyPlan.Resolved(
            { study with
                Captions = captions
                SheetCaption = min study.SheetCaption (captions - 1) |> max 0
            },
            geometry
        )
        |> Interop.orThrow

    /// The share of the dense block work a step-cached run executed.
    static member ExecutedFraction(blocksRun: int, steps: int, layers: int) =
        Study.executedFraction blocksRun steps layers
