namespace RhymeFlow.Core

// The C# facade of jobs: a study plan expanded into jobs, results as the JSON files of a results
// folder, and the pure merge of whatever results there are into the study table.

open System
open System.Collections.Generic

/// One job of a study: a clip of one row, caption, seed and repeat.
[<Sealed>]
type StudyJob internal (job: Job, row: StudyRowPlan) =
    member _.Job = job
    /// The deterministic key: equal work, equal key; the results folder names files by it.
    member _.Key = job.Key
    member _.Row = row
    member _.Model = job.Model
    member _.CaptionIndex = job.CaptionIndex
    member _.Caption = job.Caption
    member _.Seed = job.Seed
    member _.Repeat = job.Repeat
    member _.Guidance = job.Guidance
    member _.Output = job.Output
    /// The job's canonical JSON, of which the key is a hash.
    member _.Canonical = Jobs.canonical job

    /// A finished job; `blocksRun` and `computedSteps` are -1 without a step cache.
    member _.Succeeded
        (
            seconds: float,
            blocksRun: int,
            computedSteps: int,
            count: bool,
            colour: bool,
            shape: bool,
            motion: bool,
            speed: bool,
            adherence: float
        ) =
        JobResultRecord(
            {
                Key = job.Key
                Outcome =
                    Succeeded
                        {
                            Seconds = seconds
                            Judgement =
                                Some
                                    {
                                        Count = count
                                        Colour = colour
                                        Shape = shape
                                        Motion = motion
                                        Speed = speed
                                        Adherence = adherence
                                    }
                            BlocksRun = if blocksRun >= 0 then Some blocksRun else None
                            ComputedSteps = if blocksRun >= 0 then Some computedSteps else None
                        }
            }
        )

    /// A job that cannot succeed however often it runs; it is reported, not retried.
    member _.Failed(error: string) =
        ArgumentNullException.ThrowIfNull error

        JobResultRecord(
            {
                Key = job.Key
                Outcome = Failed error
            }
        )

    /// The result file's text for `result`.
    member _.ToJson(result: JobResultRecord) =
        ArgumentNullException.ThrowIfNull result
        JobFiles.writeResult job result.Result

    override _.ToString() = job.Output

/// One job's result, as a results folder keeps it.
and [<Sealed>] JobResultRecord internal (result: JobResult) =
    member _.Result = result
    member _.Key = result.Key

    member _.IsFailure =
        match result.Outcome with
        | Failed _ -> true
        | Succeeded _ -> false

    /// The error of a failed job; null for a success.
    member _.Error =
        match result.Outcome with
        | Failed e -> e
        | Succeeded _ -> null

    /// Reads a result file's text; errors name the JSON path.
    static member FromJson(json: string) =
        ArgumentNullException.ThrowIfNull json
        JobFiles.readResult json |> Result.map JobResultRecord |> Interop.orThrow

/// A row's clip compared with the reference row's clip of the same caption and seed.
[<Sealed>]
type JobComparisonRecord(key: string, reference: string, psnr: float, ssim: float) =
    let comparison =
        {
            Key = key
            Reference = reference
            Psnr = psnr
            Ssim = ssim
        }

    member _.Comparison = comparison
    member _.Key = key
    member _.Reference = reference
    member _.Psnr = psnr
    member _.Ssim = ssim
    member _.ToJson() = JobFiles.writeComparison comparison

    static member FromJson(json: string) =
        ArgumentNullException.ThrowIfNull json

        JobFiles.readComparison json
        |> Result.map (fun c -> JobComparisonRecord(c.Key, c.Reference, c.Psnr, c.Ssim))
        |> Interop.orThrow

/// A comparison the table needs: a job's key and its reference job's key.
[<Sealed>]
type JobPair internal (key: string, reference: string) =
    member _.Key = key
    member _.Reference = reference

/// What the results say of one row (see `JobRowTally`).
[<Sealed>]
type StudyRowTallyView internal (tally: JobRowTally, row: StudyRowPlan) =
    member _.Row = row
    member _.Clips = tally.Clips
    member _.MedianSeconds = tally.MedianSeconds
    member _.MeasuredSpeedup = tally.MeasuredSpeedup
    member _.Judged = tally.Judged
    member _.CountCorrect = tally.Count
    member _.ColourCorrect = tally.Colour
    member _.ShapeCorrect = tally.Shape
    member _.MotionCorrect = tally.Motion
    member _.SpeedCorrect = tally.Speed
    member _.AllCorrect = tally.All
    member _.MeanAdherence = tally.MeanAdherence
    member _.Psnr = tally.Psnr
    member _.Ssim = tally.Ssim
    member _.ExecutedFraction = tally.ExecutedFraction
    member _.ComputedSteps = tally.ComputedSteps

/// A job that failed, with its error.
[<Sealed>]
type JobFailure internal (job: StudyJob, error: string) =
    member _.Job = job
    member _.Error = error

/// The study table merged from results: independent of the order they arrived in.
[<Sealed>]
type StudyJobTable internal (table: JobTable, rows: IReadOnlyList<StudyRowTallyView>, failed: IReadOnlyList<JobFailure>)
    =
    member _.Table = table
    member _.Rows = rows
    member _.Missing = Interop.list table.Missing
    member _.Failed = failed

    member _.MissingComparisons =
        table.MissingComparisons |> List.map JobPair |> Interop.list

    member _.Unexpected = Interop.list table.Unexpected

    /// Every job has a result and every comparison is in.
    member _.IsComplete = table.Missing.IsEmpty && table.MissingComparisons.IsEmpty

/// A study plan expanded into jobs.
[<Sealed>]
type StudyJobPlan internal (plan: StudyPlan, jobs: StudyJobs) =
    let rows = plan.Rows |> Seq.map (fun r -> r.Name, r) |> dict

    let studyJobs =
        jobs.Jobs |> List.map (fun j -> StudyJob(j, rows[j.Row.Name])) |> Interop.list

    let byKey = studyJobs |> Seq.map (fun j -> j.Key, j) |> dict

    member _.Plan = plan
    member _.Expanded = jobs
    /// Every job, in the order an in-process run takes them (caption by caption, rows rotating).
    member _.Jobs = studyJobs

    /// The comparisons the table needs (every repeat-0 job against its reference job).
    member _.Comparisons = jobs.Comparisons |> List.map JobPair |> Interop.list

    /// The job of `key`.
    member _.Job(key: string) = byKey[key]

    /// Expands `plan` on `captions` and their `seeds` (as many as the study's captions); `model`
    /// names the weights that run (the study's own, or an override).
    static member Of(plan: StudyPlan, model: string, captions: IReadOnlyList<string>, seeds: IReadOnlyList<int64>) =
        ArgumentNullException.ThrowIfNull plan
        ArgumentNullException.ThrowIfNull model
        ArgumentNullException.ThrowIfNull captions
        ArgumentNullException.ThrowIfNull seeds

        if captions.Count <> seeds.Count then
            raise (ArgumentException($"{captions.Count} captions but {seeds.Count} seeds.", nameof seeds))

        let pairs = List.zip (List.ofSeq captions) (List.ofSeq seeds)
        let resolved = plan.Rows |> Seq.map (fun r -> r.Row) |> List.ofSeq

        Jobs.ofStudy model plan.Study resolved pairs
        |> Result.map (fun jobs -> StudyJobPlan(plan, jobs))
        |> Interop.orThrow

    /// The table from whatever results and comparisons there are, for a model of `layers` blocks.
    member _.Merge(layers: int, results: IEnumerable<JobResultRecord>, comparisons: IEnumerable<JobComparisonRecord>) =
        ArgumentNullException.ThrowIfNull results
        ArgumentNullException.ThrowIfNull comparisons

        let table =
            Jobs.merge
                layers
                jobs
                (results |> Seq.map (fun r -> r.Result) |> List.ofSeq)
                (comparisons |> Seq.map (fun c -> c.Comparison) |> List.ofSeq)

        let tallies =
            table.Rows
            |> List.map (fun t -> StudyRowTallyView(t, rows[t.Row]))
            |> Interop.list

        let failed =
            table.Failed
            |> List.map (fun (j, e) -> JobFailure(byKey[j.Key], e))
            |> Interop.list

        StudyJobTable(table, tallies, failed)
