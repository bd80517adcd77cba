/// `generate CAPTION --cluster redis://HOST:PORT`: the batch's clips (one per seed) as jobs of a one-row study on the
/// cluster's workers, waited on with the study's live progress line, then written as `generate` writes them here.
module RhymeFlow.Cli.Commands.GenerateCluster

open System
open System.IO
open System.Text
open System.Text.Json
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Evaluation.Studies
open RhymeFlow.Cluster
open RhymeFlow.Cluster.Hosting
open RhymeFlow.Cli
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.Commands.GenerateOptions
open RhymeFlow.Cli.Commands.GenerateOutputs
open RhymeFlow.Cli.Commands.GenerateBuiltInRequest

/// Flags that make no sense for a batch of single-clip jobs on other machines: bad usage, before anything loads.
let private checkFlags (args: ParseResults<GenerateArgs>) =
    reject
        "generate --cluster (the workers pick their device: `rhymeflow worker --device`)"
        [
            "--device", args.Contains GenerateArgs.Device
            "--dtype", args.Contains GenerateArgs.Dtype
        ]

    reject
        "generate --cluster (each clip is one job, as with --max-batch 1)"
        [ "--max-batch", args.Contains GenerateArgs.Max_Batch ]

    reject
        "generate --cluster yet (a batch is one row, with no dense row to compare against)"
        [ "--compare", args.Contains GenerateArgs.Compare ]

/// The study row's step cache for --cache; null without one.
let private batchCache (cache: RhymeFlow.Cli.CacheOptions.CacheChoice) =
    match cache with
    | RhymeFlow.Cli.CacheOptions.NoCache -> null
    | RhymeFlow.Cli.CacheOptions.TeaCacheAt threshold -> BatchStepCache(StepCacheKind.TeaCache, threshold)
    | RhymeFlow.Cli.CacheOptions.FirstBlockAt threshold -> BatchStepCache(StepCacheKind.FirstBlock, threshold)

let private report (r: Request) (submission: Grains.StudySubmission) (redis: RedisAddress) clips gifs mp4s =
    let modelName = r.Model |> Option.defaultValue "built-in (default package)"

    let measure (clip: BatchClip) =
        match clip.Result.Result.Outcome with
        | Succeeded m -> Some m
        | Failed _ -> None

    let clipsJson =
        List.zip3 clips gifs mp4s
        |> List.map (fun (clip: BatchClip, gif: string, mp4: Result<string, string>) ->
            let m = measure clip

            {|
                seed = clip.Job.Seed
                key = clip.Job.Key
                gif = gif
                mp4 =
                    match mp4 with
                    | Ok name -> name
                    | Error _ -> null
                total_s = m |> Option.map (fun m -> Math.Round(m.Seconds, 3)) |> Option.toNullable
                blocks_run = m |> Option.bind (fun m -> m.BlocksRun) |> Option.toNullable
                computed_steps = m |> Option.bind (fun m -> m.ComputedSteps) |> Option.toNullable
                adherence =
                    m
                    |> Option.bind (fun m -> m.Judgement)
                    |> Option.map (fun j -> Math.Round(j.Adherence, 4))
                    |> Option.toNullable
            |})

    let json =
        JsonSerializer.Serialize(
            {|
                caption = r.Caption
                model = modelName
                fingerprint = submission.Model
                cluster = string redis
                study_id = submission.StudyId
                results = submission.Results
                schedule = describe r.Schedule.Spec
                spec = JsonDocument.Parse(r.Schedule.ToJson()).RootElement
                reduction = describeReduction r.Reduction
                cache = RhymeFlow.Cli.CacheOptions.describe r.Cache
                guidance = r.Guidance
                seeds = Array.ofList r.Seeds
                contact_sheet = "contact-sheet.png"
                latents = "latents.safetensors"
                mp4 = mp4Note mp4s
                clips = Array.ofList clipsJson
            |},
            jsonOptions
        )

    let md = StringBuilder()
    let line (text: string) = md.AppendLine text |> ignore
    let seedList = r.Seeds |> List.map string |> String.concat ", "
    line $"# {r.Caption}"
    line ""
    line $"- model: {modelName} (fingerprint {submission.Model})"

    line
        $"- ran on: the cluster at {redis}, batch {submission.StudyId}, one job per seed; results in {submission.Results}"

    line $"- schedule: {describe r.Schedule.Spec}; guidance {r.Guidance}; seeds {seedList}"
    line $"- token reduction: {describeReduction r.Reduction}"

    if r.Cache <> RhymeFlow.Cli.CacheOptions.NoCache then
        let steps = Spec.ladderSteps r.Schedule.Spec

        let runs =
            clipsJson
            |> List.map (fun c ->
                if c.computed_steps.HasValue then
                    $"seed {c.seed}: blocks computed on {c.computed_steps.Value} of {steps} steps ({c.blocks_run.Value} block evaluations)"
                else
                    $"seed {c.seed}: -")
            |> String.concat "; "

        line $"- step cache: {RhymeFlow.Cli.CacheOptions.describe r.Cache}; {runs}"

    line $"- {mp4Note mp4s}"
    line ""
    line "| seed | GIF | job s | adherence |"
    line "|---|---|---:|---:|"

    for c in clipsJson do
        let seconds = if c.total_s.HasValue then $"{c.total_s.Value:F2}" else "-"

        let adherence =
            if c.adherence.HasValue then
                $"{c.adherence.Value:F2}"
            else
                "-"

        line $"| {c.seed} | ![{c.gif}]({c.gif}) | {seconds} | {adherence} |"

    line ""
    line "![contact sheet](contact-sheet.png)"
    json, md.ToString()

let run (args: ParseResults<GenerateArgs>) (redis: RedisAddress) : int =
    checkFlags args
    let r = request args
    let quiet = args.Contains GenerateArgs.Quiet
    let lease = args.GetResult(GenerateArgs.Lease, defaultValue = 10.0)

    if not (lease > 0.0) then
        usageError $"--lease must be a positive number of seconds, got {lease}."

    let results =
        args.GetResult(GenerateArgs.Results, defaultValue = Path.Combine(r.Out, "results"))

    // Fingerprint the model before connecting: a bad model is reported without touching the cluster.
    let submission =
        use model =
            match r.Model with
            | Some dir -> MiniModel.Load(dir, torch.CPU)
            | None -> MiniModel.LoadDefault(torch.CPU)

        // What `generate` refuses once the model is loaded (a profile of other blocks, TeaCache without a
        // calibration) is refused here too, before the cluster is touched; the workers hold the same model.
        modelChecked r model |> ignore

        ClusterStudy.DescribeBatch(
            r.Schedule,
            r.Guidance,
            r.Seeds |> List.map (fun _ -> r.Caption) |> Array.ofList,
            Array.ofList r.Seeds,
            ModelFingerprint.Of model,
            model.Transformer.Config.NumLayers,
            results,
            "any",
            lease,
            reduction = Option.toObj r.Reduction,
            cache = batchCache r.Cache
        )

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation

    let connection =
        ClusterConnection.ConnectAsync(redis, TimeSpan.FromSeconds 30.0, cancellation.Token).GetAwaiter().GetResult()

    try
        let cluster = ClusterStudy(connection.Client)
        let submitted = cluster.SubmitAsync(submission).GetAwaiter().GetResult()

        eprintfn
            "batch id: %s (%d clips, %d already done); results: %s"
            submission.StudyId
            submitted.Total
            submitted.Done
            submission.Results

        if args.Contains GenerateArgs.Detach then
            eprintfn "detached; the workers go on. Run the same command without --detach to wait and write the clips."
            ExitCode.Success
        else
            cluster
                .WaitForJobsAsync(
                    submission,
                    ClusterOptions.liveProgress quiet,
                    TimeSpan.FromMilliseconds 500.0,
                    TimeSpan.FromSeconds 60.0,
                    cancellation.Token
                )
                .GetAwaiter()
                .GetResult()
            |> ignore

            if not quiet && not Console.IsErrorRedirected then
                eprintfn ""

            // A failed job (a caption the model cannot read) is an error naming it: exit 1.
            let clips = ClusterStudy.ReadBatch(submission) |> List.ofSeq

            Directory.CreateDirectory r.Out |> ignore

            let gifs, mp4s =
                writeClips
                    r.Out
                    r.Caption
                    (clips |> List.map (fun c -> c.Job.Seed, c.Clip))
                    (clips |> List.map (fun c -> c.Clip))

            let json, md = report r submission redis clips gifs mp4s
            writeAtomically (Path.Combine(r.Out, "report.json")) (json + "\n")
            writeAtomically (Path.Combine(r.Out, "report.md")) md
            printfn "wrote %s: %d clip(s), %s, on the cluster at %O" r.Out clips.Length (describe r.Schedule.Spec) redis
            ExitCode.Success
    finally
        connection.DisposeAsync().AsTask().GetAwaiter().GetResult()
