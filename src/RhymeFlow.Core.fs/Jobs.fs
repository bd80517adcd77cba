namespace RhymeFlow.Core

open System
open System.Security.Cryptography
open System.Text
open System.Text.Json
open RhymeFlow.Core.JsonSyntax

type JobRow =
    {
        Name: string
        Spec: Spec
        Reduction: ReductionSpec option
        Cache: StepCachePolicy option
    }

type Job =
    {
        Key: string
        Model: string
        Study: string
        Row: JobRow
        Guidance: float
        CaptionIndex: int
        Caption: string
        Seed: int64
        Repeat: int
        Output: string
    }

type JobJudgement =
    {
        Count: bool
        Colour: bool
        Shape: bool
        Motion: bool
        Speed: bool
        Adherence: float
    }

type JobMeasure =
    {
        Seconds: float
        Judgement: JobJudgement option
        BlocksRun: int option
        ComputedSteps: int option
    }

type JobOutcome =
    | Succeeded of JobMeasure
    | Failed of error: string

type JobResult = { Key: string; Outcome: JobOutcome }

type JobComparison =
    {
        Key: string
        Reference: string
        Psnr: float
        Ssim: float
    }

type StudyJobs =
    {
        Study: Study
        Rows: ResolvedRow list
        Jobs: Job list
        Comparisons: (string * string) list
    }

type JobRowTally =
    {
        Row: string
        Clips: int
        MedianSeconds: float
        MeasuredSpeedup: float
        Judged: int
        Count: int
        Colour: int
        Shape: int
        Motion: int
        Speed: int
        All: int
        MeanAdherence: float
        Psnr: float
        Ssim: float
        ExecutedFraction: float
        ComputedSteps: float
    }

type JobTable =
    {
        Rows: JobRowTally list
        Missing: string list
        Failed: (Job * string) list
        MissingComparisons: (string * string) list
        Unexpected: string list
    }

type BatchRequest =
    {
        Model: string
        Caption: string
        Seeds: int64 list
        Row: JobRow
        Guidance: float
        Output: string
    }

[<RequireQualifiedAccess>]
module Jobs =
    // ---- keys ----------------------------------------------------------------------------------

    let private writeCache (w: Utf8JsonWriter) (cache: StepCachePolicy option) =
        match cache with
        | None -> w.WriteNull "cache"
        | Some(StepCachePolicy.TeaCache t) -> obj w "cache" "teaCache" (fun () -> anyNumber w "threshold" t)
        | Some(StepCachePolicy.FirstBlockCache t) ->
            obj w "cache" "firstBlockCache" (fun () -> anyNumber w "threshold" t)

    [<CompiledName("Canonical")>]
    let canonical (job: Job) =
        write (fun w ->
            obj w "" "" (fun () ->
                w.WriteString("model", job.Model)
                w.WriteString("study", job.Study)

                obj w "row" "" (fun () ->
                    w.WriteString("name", job.Row.Name)
                    JsonSpec.write w "spec" job.Row.Spec

                    match job.Row.Reduction with
                    | Some r ->
                        w.WritePropertyName "reduction"
                        JsonReduction.write w r
                    | None -> w.WriteNull "reduction"

                    writeCache w job.Row.Cache)

                anyNumber w "guidance" job.Guidance
                w.WriteNumber("captionIndex", job.CaptionIndex)
                w.WriteString("caption", job.Caption)
                w.WriteNumber("seed", job.Seed)
                w.WriteNumber("repeat", job.Repeat)))

    [<CompiledName("KeyOf")>]
    let keyOf job =
        let hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical job))
        Convert.ToHexStringLower(hash).Substring(0, 16)

    let private keyed (job: Job) = { job with Key = keyOf job }

    // ---- expansion -----------------------------------------------------------------------------

    [<CompiledName("Rotation")>]
    let rotation count offset =
        List.init count (fun i -> (i + offset) % count)

    let private jobRow (row: ResolvedRow) =
        {
            Name = row.Name
            Spec = row.Spec
            Reduction = row.Reduction
            Cache = row.Cache
        }

    [<CompiledName("OfStudy")>]
    let ofStudy model (study: Study) (rows: ResolvedRow list) (captions: (string * int64) list) =
        if captions.Length <> study.Captions then
            Error(Validate.error "captions" captions.Length $"{study.Captions} captions (the study's)")
        else
            let rowArray = List.toArray rows
            let captionArray = List.toArray captions

            let job c repeat r =
                let row = rowArray[r]
                let caption, seed = captionArray[c]

                keyed
                    {
                        Key = ""
                        Model = model
                        Study = study.Name
                        Row = jobRow row
                        Guidance = study.Guidance
                        CaptionIndex = c
                        Caption = caption
                        Seed = seed
                        Repeat = repeat
                        Output = $"{row.Name}/caption-{c:D3}-repeat-{repeat}"
                    }

            let jobs =
                [
                    for c in 0 .. study.Captions - 1 do
                        for repeat in 0 .. study.Repeats - 1 do
                            for r in rotation rowArray.Length (c + repeat) do
                                job c repeat r
                ]

            let judged =
                jobs
                |> List.filter (fun j -> j.Repeat = 0)
                |> List.map (fun j -> (j.Row.Name, j.CaptionIndex), j.Key)
                |> Map.ofList

            let comparisons =
                jobs
                |> List.filter (fun j -> j.Repeat = 0)
                |> List.map (fun j -> j.Key, judged[(study.Reference, j.CaptionIndex)])

            Ok
                {
                    Study = study
                    Rows = rows
                    Jobs = jobs
                    Comparisons = comparisons
                }

    [<CompiledName("OfBatch")>]
    let ofBatch (request: BatchRequest) =
        let duplicate =
            request.Seeds
            |> List.countBy id
            |> List.tryFind (fun (_, n) -> n > 1)
            |> Option.map fst

        if request.Seeds.IsEmpty then
            Error(Validate.error "seeds" "[]" "at least one seed")
        else
            match duplicate with
            | Some seed -> Error(Validate.error "seeds" seed "distinct seeds")
            | None ->
                request.Seeds
                |> List.mapi (fun i seed ->
                    keyed
                        {
                            Key = ""
                            Model = request.Model
                            Study = ""
                            Row = request.Row
                            Guidance = request.Guidance
                            CaptionIndex = i
                            Caption = request.Caption
                            Seed = seed
                            Repeat = 0
                            Output = $"{request.Output}-seed{seed}"
                        })
                |> Ok

    // ---- merge ---------------------------------------------------------------------------------

    let private median (values: float list) =
        match List.sort values with
        | [] -> nan
        | sorted ->
            let a = List.toArray sorted
            let middle = a.Length / 2

            if a.Length % 2 = 1 then
                a[middle]
            else
                (a[middle - 1] + a[middle]) / 2.0

    // A left-to-right sum over values in caption order, so the mean is the same double however the
    // results arrived.
    let private mean (values: float list) =
        match values with
        | [] -> nan
        | _ -> List.sum values / float values.Length

    [<CompiledName("Merge")>]
    let merge layers (jobs: StudyJobs) (results: JobResult seq) (comparisons: JobComparison seq) : JobTable =
        let known = jobs.Jobs |> List.map (fun (j: Job) -> j.Key) |> Set.ofList

        let outcomes =
            results
            |> Seq.groupBy (fun (r: JobResult) -> r.Key)
            |> Seq.map (fun (key, rs) -> key, rs |> Seq.map (fun r -> r.Outcome) |> Seq.min)
            |> Map.ofSeq

        let compared =
            comparisons
            |> Seq.groupBy (fun (c: JobComparison) -> c.Key, c.Reference)
            |> Seq.map (fun (pair, cs) -> pair, cs |> Seq.map (fun c -> c.Psnr, c.Ssim) |> Seq.min)
            |> Map.ofSeq

        let measured (job: Job) =
            match outcomes.TryFind job.Key with
            | Some(Succeeded m) -> Some m
            | _ -> None

        let referenceKey = jobs.Comparisons |> Map.ofList

        let tally (row: ResolvedRow) : JobRowTally =
            let rowJobs = jobs.Jobs |> List.filter (fun (j: Job) -> j.Row.Name = row.Name)

            let seconds =
                rowJobs |> List.choose measured |> List.map (fun (m: JobMeasure) -> m.Seconds)

            // Judged clips in caption order: repeat 0 of each caption.
            let judgedJobs =
                rowJobs
                |> List.filter (fun j -> j.Repeat = 0)
                |> List.sortBy (fun j -> j.CaptionIndex)

            let judged = judgedJobs |> List.choose measured
            let judgements = judged |> List.choose (fun (m: JobMeasure) -> m.Judgement)

            let countOf (f: JobJudgement -> bool) =
                judgements |> List.filter f |> List.length

            let cached =
                judged
                |> List.choose (fun m ->
                    match m.BlocksRun, m.ComputedSteps with
                    | Some b, Some s -> Some(b, s)
                    | _ -> None)

            let fidelity =
                judgedJobs
                |> List.choose (fun j -> compared.TryFind(j.Key, referenceKey[j.Key]))

            let steps = row.Spec.Sampling.Steps

            {
                Row = row.Name
                Clips = seconds.Length
                MedianSeconds = median seconds
                MeasuredSpeedup = nan
                Judged = judgements.Length
                Count = countOf (fun j -> j.Count)
                Colour = countOf (fun j -> j.Colour)
                Shape = countOf (fun j -> j.Shape)
                Motion = countOf (fun j -> j.Motion)
                Speed = countOf (fun j -> j.Speed)
                All = countOf (fun j -> j.Count && j.Colour && j.Shape && j.Motion && j.Speed)
                MeanAdherence = judgements |> List.map (fun j -> j.Adherence) |> mean
                Psnr = fidelity |> List.map fst |> mean
                Ssim = fidelity |> List.map snd |> mean
                ExecutedFraction =
                    if cached.IsEmpty then
                        nan
                    else
                        Study.executedFraction (List.sumBy fst cached) (steps * cached.Length) layers
                ComputedSteps =
                    if cached.IsEmpty then
                        nan
                    else
                        float (List.sumBy snd cached) / float cached.Length
            }

        let tallies = jobs.Rows |> List.map tally

        let referenceSeconds =
            tallies
            |> List.tryFind (fun t -> t.Row = jobs.Study.Reference)
            |> Option.map (fun t -> t.MedianSeconds)
            |> Option.defaultValue nan

        {
            Rows =
                tallies
                |> List.map (fun t ->
                    { t with
                        MeasuredSpeedup = referenceSeconds / t.MedianSeconds
                    })
            Missing =
                jobs.Jobs
                |> List.filter (fun j -> not (outcomes.ContainsKey j.Key))
                |> List.map (fun j -> j.Key)
            Failed =
                jobs.Jobs
                |> List.choose (fun j ->
                    match outcomes.TryFind j.Key with
                    | Some(Failed error) -> Some(j, error)
                    | _ -> None)
            MissingComparisons = jobs.Comparisons |> List.filter (compared.ContainsKey >> not)
            Unexpected = outcomes |> Map.keys |> Seq.filter (known.Contains >> not) |> List.ofSeq
        }
