namespace RhymeFlow.Core

/// What a job generates under: a study row made concrete, or a batch request's one schedule.
type JobRow =
    {
        Name: string
        Spec: Spec
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
    }

/// One clip to generate: the unit of work that an executor (in-process, or a cluster's worker) runs.
/// Invariant: `Key` is `Jobs.keyOf` of the other fields except `Output`, so equal work has equal keys.
type Job =
    {
        /// The first 16 hex digits of the SHA-256 of the job's canonical JSON (`Jobs.canonical`).
        Key: string
        /// The weights that run, by fingerprint (the host's ModelFingerprint: a hash of the weights, not their folder),
        /// so workers holding one package at different paths agree on every key.
        Model: string
        /// The study's name; "" for a batch request.
        Study: string
        Row: JobRow
        Guidance: float
        /// The caption's position in the study's captions (or the batch's seeds).
        CaptionIndex: int
        Caption: string
        Seed: int64
        /// The timing repeat, 0-based; repeat 0 is the one judged and compared.
        Repeat: int
        /// A readable name for the job's outputs (row/caption/repeat, or the batch's file stem).
        Output: string
    }

/// What the evaluator judged right in one clip (the host's ClipJudgement as numbers).
type JobJudgement =
    {
        Count: bool
        Colour: bool
        Shape: bool
        Motion: bool
        Speed: bool
        /// Partial credit in [0, 1].
        Adherence: float
    }

/// What a job measured of its clip.
type JobMeasure =
    {
        /// Wall time of the clip (encoding, denoising, decoding).
        Seconds: float
        /// None when the job has nothing to judge against (a batch request).
        Judgement: JobJudgement option
        /// Blocks run and steps that ran the block stack, for a step-cached row; None otherwise.
        BlocksRun: int option
        ComputedSteps: int option
    }

/// How a job ended. Cases are ordered: of two results of one key, a success is preferred.
type JobOutcome =
    | Succeeded of JobMeasure
    /// The job cannot succeed however often it runs (a caption the model cannot read); not retried.
    | Failed of error: string

type JobResult = { Key: string; Outcome: JobOutcome }

/// A row's clip against the reference row's clip of the same caption and seed.
/// The host computes it once both clips are in the results folder: PSNR and SSIM need the two
/// float clips, which the core never holds, and a job cannot wait for another job's clip without
/// ordering jobs, which a cluster must not need. Keyed by both job keys, it is as repeatable as a job.
type JobComparison =
    {
        Key: string
        Reference: string
        Psnr: float
        Ssim: float
    }

/// A study expanded into jobs.
type StudyJobs =
    {
        Study: Study
        Rows: ResolvedRow list
        /// Every job, in the order an in-process run takes them: caption by caption, repeats
        /// within a caption, rows in rotating order (`Jobs.rotation`).
        Jobs: Job list
        /// (job key, reference job key) for every repeat-0 job, the reference row's own included.
        Comparisons: (string * string) list
    }

/// What the results say of one row.
type JobRowTally =
    {
        Row: string
        /// Timed clips found (every repeat).
        Clips: int
        /// Median clip seconds (the mean of the middle two for an even count); NaN without clips.
        MedianSeconds: float
        /// The reference row's median over this row's.
        MeasuredSpeedup: float
        /// Clips judged (repeat 0) and how many had each attribute right.
        Judged: int
        Count: int
        Colour: int
        Shape: int
        Motion: int
        Speed: int
        All: int
        /// Mean partial-credit adherence over judged clips, in caption order; NaN without any.
        MeanAdherence: float
        /// Means over the comparisons found, in caption order; NaN without any.
        Psnr: float
        Ssim: float
        /// For a step cache: the share of the dense block work executed and the mean steps that ran
        /// the block stack over the judged clips; NaN otherwise.
        ExecutedFraction: float
        ComputedSteps: float
    }

/// The study table merged from results: the same whatever order the results came in.
type JobTable =
    {
        Rows: JobRowTally list
        /// Keys of jobs with no result yet, in job order.
        Missing: string list
        /// Jobs whose only results are failures, once each with the least error, in job order.
        Failed: (Job * string) list
        /// (job, reference) pairs whose comparison is not in yet, in job order.
        MissingComparisons: (string * string) list
        /// Result keys that belong to no job of the study, sorted (kept out of the table).
        Unexpected: string list
    }

/// A batch of clips of one caption under one schedule, one per seed (`rhymeflow generate`).
type BatchRequest =
    {
        Model: string
        Caption: string
        Seeds: int64 list
        Row: JobRow
        Guidance: float
        /// The stem of the output files; each job's output is STEM-seedN.
        Output: string
    }

[<RequireQualifiedAccess>]
module Jobs =
    /// The job's canonical JSON: every field but `Key` and `Output`, in a fixed order, doubles in
    /// shortest round-trip form, spec and reduction as `Json` writes them.
    [<CompiledName("Canonical")>]
    val canonical: job: Job -> string

    /// The key of `job`'s work: the first 16 hex digits (lower case) of the SHA-256 of its canonical JSON.
    [<CompiledName("KeyOf")>]
    val keyOf: job: Job -> string

    /// Row indices starting at `offset` modulo `count`: the order rows take for one caption.
    [<CompiledName("Rotation")>]
    val rotation: count: int -> offset: int -> int list

    /// A resolved study's jobs on `captions` (text and seed, in the study's order; as many as the
    /// study asks for); `model` names the weights actually used (the study's, or an override).
    /// Errors: `captions` when their number is not the study's.
    [<CompiledName("OfStudy")>]
    val ofStudy:
        model: string ->
        study: Study ->
        rows: ResolvedRow list ->
        captions: (string * int64) list ->
            Result<StudyJobs, ValidationError>

    /// A batch request's jobs, one per seed in order. Errors: `seeds` (at least one, no repeats).
    [<CompiledName("OfBatch")>]
    val ofBatch: request: BatchRequest -> Result<Job list, ValidationError>

    /// Merges results and comparisons into the study table, for a model of `layers` blocks.
    /// Order does not matter; duplicates of a key count once (the least by structural order, so a
    /// success beats a failure); results of unknown keys are listed, never counted.
    [<CompiledName("Merge")>]
    val merge: layers: int -> jobs: StudyJobs -> results: JobResult seq -> comparisons: JobComparison seq -> JobTable
