namespace RhymeFlow.Core

/// A runtime step cache: a peer that decides at every step, from the model's own signals, whether
/// the block stack runs or its cached residual is reused.
[<RequireQualifiedAccess>]
type StepCachePolicy =
    /// TeaCache: the accumulated, polynomially rescaled relative L1 change of the modulated input.
    | TeaCache of threshold: float
    /// diffusers' first-block cache: the relative L1 change of block 0's residual.
    | FirstBlockCache of threshold: float

/// How a study row gives its schedule.
type RowSchedule =
    /// A schedule on the study's sampling (dense, fewer steps or RhymeFlow).
    | Given of Schedule
    /// Dense on fewer steps: as many as make its predicted cost match that of the named row.
    | FewerStepsMatching of row: string

/// One row of a study: a schedule, optionally with AsymRnR and a step cache.
type StudyRow =
    {
        Name: string
        Schedule: RowSchedule
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
    }

/// The method a row stands for, one marker style per method in the study's pictures.
[<RequireQualifiedAccess>]
type StudyMethod =
    | Dense
    | RhymeFlow
    | FewerSteps
    | TeaCache
    | FirstBlockCache
    | AsymRnR
    | RhymeFlowAsymRnR

/// A speed and fidelity study: every row runs on the same captions with the same seeds, and is
/// compared with the reference row clip by clip.
type Study =
    {
        Name: string
        /// "builtin", or the folder of a built-in-format model package.
        Model: string
        /// How many of the held-out captions to run (spread over all of them), each with its seed.
        Captions: int
        Guidance: float
        /// The sampling every row runs under (solver, shift, N).
        Sampling: Sampling
        /// The row every other row is compared with (PSNR, SSIM, speedup).
        Reference: string
        /// Timing repeats per clip: each row's time is the median over clips and repeats.
        Repeats: int
        /// The rows shown side by side in the contact sheet, and the caption they show.
        SheetRows: string list
        SheetCaption: int
        Rows: StudyRow list
    }

/// A row made concrete for a geometry: its full spec and what the cost model predicts for it.
type ResolvedRow =
    {
        Name: string
        Method: StudyMethod
        Spec: Spec
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
        /// Dense FLOPs over the row's FLOPs; None for step caches, whose work depends on the data.
        PredictedSpeedup: float option
    }

[<RequireQualifiedAccess>]
module Study =
    /// Checks the study as a whole. Errors name the field: `rows` (not empty, unique names),
    /// `rows[i].cache` (only with a dense or fewer-steps schedule; threshold >= 0),
    /// `rows[i].schedule.matchCostOf` (an existing row that is not itself matched), `reference`
    /// and `contactSheet.rows` (existing rows), `captions`, `repeats` (>= 1), `guidance` (>= 1),
    /// and each row's schedule and reduction as their own validation does.
    [<CompiledName("Validate")>]
    val validate: study: Study -> Result<Study, ValidationError>

    /// The method a row stands for: a cache names the row; otherwise RhymeFlow with AsymRnR,
    /// RhymeFlow, AsymRnR, fewer steps or dense.
    [<CompiledName("MethodOf")>]
    val methodOf: schedule: Schedule -> reduction: ReductionSpec option -> cache: StepCachePolicy option -> StudyMethod

    /// The cost model's speedup of a schedule (with AsymRnR when given) over dense on N steps.
    [<CompiledName("PredictedSpeedup")>]
    val predictedSpeedup:
        geometry: Geometry -> spec: Spec -> reduction: ReductionSpec option -> Result<float, ValidationError>

    /// The step count n at which fewer steps costs what a row with `speedup` costs: N / speedup,
    /// rounded to the nearest step and kept in 1..N.
    [<CompiledName("MatchedSteps")>]
    val matchedSteps: steps: int -> speedup: float -> int

    /// Every row with its spec on the study's sampling and its predicted speedup; matched rows
    /// take their step count from their target's prediction.
    [<CompiledName("Resolve")>]
    val resolve: geometry: Geometry -> study: Study -> Result<ResolvedRow list, ValidationError>

    /// The share of the dense block work a step-cached run executed: blocks run over steps × layers
    /// (the cost model counts block FLOPs only, so this is also its FLOP fraction).
    [<CompiledName("ExecutedFraction")>]
    val executedFraction: blocksRun: int -> steps: int -> layers: int -> float
