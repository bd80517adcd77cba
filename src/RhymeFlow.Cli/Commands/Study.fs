/// `study`: every row of a study file on the built-in model's held-out captions, measured side by side in one run;
/// writes the Markdown report with its table and goals, the Pareto picture and the contact sheet. With --cluster, the
/// jobs run on the cluster's workers and the outputs are the same.
module RhymeFlow.Cli.Commands.Study

open System
open System.Diagnostics
open System.IO
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Evaluation.Studies
open RhymeFlow.Host.Runtime
open RhymeFlow.Cluster
open RhymeFlow.Cluster.Hosting
open RhymeFlow.Cli.StudyArguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure

let private readPlan (path: string) =
    if not (File.Exists path) then
        usageError $"study file not found: {path}"

    try
        StudyPlan.FromJson(File.ReadAllText path, Geometries.Mini)
    with :? ArgumentException as e ->
        usageError $"{path}: {e.Message}"

let private loadModel (plan: StudyPlan) (overrideDir: string option) (device: torch.Device) =
    match overrideDir, plan.Model with
    | Some dir, _ -> MiniModel.Load(dir, device)
    | None, "builtin" -> MiniModel.LoadDefault(device)
    | None, dir -> MiniModel.Load(dir, device)

let private progressLine (clock: Stopwatch) (e: StudyClipEvent) =
    let remaining =
        if e.Done = 0 then
            TimeSpan.Zero
        else
            TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / float e.Done * float (e.Total - e.Done))

    let warm = if e.WarmUp then " (warm-up)" else ""

    eprintfn
        "[%d/%d] %-22s %5.2f s  %s%s  about %.0f min left"
        e.Done
        e.Total
        e.Row
        e.Seconds
        e.Caption
        warm
        remaining.TotalMinutes

/// The report, the pictures folder and the results folder the options name.
let private paths (args: ParseResults<StudyArgs>) =
    let report =
        args.GetResult(StudyArgs.Out, defaultValue = Path.Combine("docs", "study.md"))

    let images =
        args.GetResult(
            StudyArgs.Images,
            defaultValue = Path.Combine(Path.GetDirectoryName(Path.GetFullPath report), "images")
        )

    let results =
        args.GetResult(
            StudyArgs.Results,
            defaultValue =
                Path.Combine(
                    Path.GetDirectoryName(Path.GetFullPath report),
                    Path.GetFileNameWithoutExtension report + "-results"
                )
        )

    report, images, results

let private readStudy (args: ParseResults<StudyArgs>) =
    let file =
        match args.TryGetResult StudyArgs.File with
        | Some file -> file
        | None -> usageError "a study file is required (or --attach ID with --cluster)."

    let plan = readPlan file

    let plan =
        match args.TryGetResult StudyArgs.Captions with
        | Some n when n < 1 || n > HeldOutCaptions.Count ->
            usageError $"--captions must be 1..{HeldOutCaptions.Count} (the held-out captions), got {n}."
        | Some n -> plan.WithCaptions n
        | None -> plan

    if plan.Captions > HeldOutCaptions.Count then
        usageError
            $"{file}: captions = {plan.Captions}, but the built-in model has {HeldOutCaptions.Count} held-out captions."

    file, plan

let private describe (plan: StudyPlan) (where: string) =
    eprintfn "study %s: %d rows x %d captions on %s" plan.Name plan.Rows.Count plan.Captions where

    for row in plan.Rows do
        let predicted =
            if Double.IsNaN row.PredictedSpeedup then
                "data-dependent"
            else
                $"%.2f{row.PredictedSpeedup}x predicted"

        eprintfn "  %-22s %-20s %s" row.Name (StudyReport.MethodName row.Method) predicted

/// The table, the report and the pictures of a finished study; the exit code says whether a job failed.
let private writeOutputs (args: ParseResults<StudyArgs>) (result: StudyResult) =
    let report, images, _ = paths args

    Directory.CreateDirectory images |> ignore

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath report))
    |> ignore

    for failure in result.Failures do
        eprintfn "job failed: %s" failure

    // The table first: whatever happens to the pictures, the measurements are on the screen.
    printfn "%s" (StudyReport.Table result)
    let pareto = Path.Combine(images, "study-pareto.png")
    StudyPictures.pareto result pareto

    let sheet =
        if result.SheetClips.Count = 0 then
            None
        else
            let path = Path.Combine(images, "study-sheet.png")
            StudyPictures.sheet result path
            Some path

    let relative (path: string) =
        Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath report), Path.GetFullPath path).Replace('\\', '/')

    let command =
        "rhymeflow "
        + String.Join(" ", Environment.GetCommandLineArgs() |> Array.skip 1)

    StudyReport.Save(report, result, command, relative pareto, sheet |> Option.map relative |> Option.toObj)
    printfn "report: %s" (Path.GetFullPath report)
    printfn "pictures: %s" (String.Join(", ", pareto :: Option.toList sheet |> List.map Path.GetFullPath))

    if result.Failures.Count > 0 then
        eprintfn "%d job(s) failed; the table leaves them out." result.Failures.Count
        ExitCode.RunFailed
    else
        ExitCode.Success

/// In this process, on the local device: the default.
let private runHere (args: ParseResults<StudyArgs>) =
    let _, plan = readStudy args

    let device, deviceName =
        Options.device (args.GetResult(StudyArgs.Device, defaultValue = "cpu"))

    let _, _, results = paths args
    use model = loadModel plan (args.TryGetResult StudyArgs.Model) device

    let where =
        if deviceName = "cpu" then
            $"{MachineInfo.CpuModel()} ({Environment.ProcessorCount} logical cores, {torch.get_num_threads ()} torch threads, float32)"
        else
            $"{deviceName}, float32"

    describe plan where
    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation
    let clock = Stopwatch.StartNew()
    let quiet = args.Contains StudyArgs.Quiet

    let progress =
        { new IProgress<StudyClipEvent> with
            member _.Report e =
                if not quiet then
                    progressLine clock e
        }

    eprintfn "results: %s" (Path.GetFullPath results)

    // Jobs name the model by its weights' fingerprint, as a cluster's workers do, so both share a results folder.
    let result =
        StudyJobRunner(model)
            .RunAsync(plan, ModelFingerprint.Of model, where, results, progress, cancellation.Token)
            .GetAwaiter()
            .GetResult()

    writeOutputs args result

/// On the cluster's workers: submit (or find by id), then wait with a live progress line unless detached.
let private runOnCluster (args: ParseResults<StudyArgs>) (redis: RedisAddress) =
    let quiet = args.Contains StudyArgs.Quiet
    let lease = args.GetResult(StudyArgs.Lease, defaultValue = 10.0)

    if not (lease > 0.0) then
        usageError $"--lease must be a positive number of seconds, got {lease}."

    let kind =
        Options.choice
            "--device"
            [ "any", "any"; "cpu", "cpu"; "cuda", "cuda" ]
            (args.GetResult(StudyArgs.Device, defaultValue = "any"))

    // Fingerprint the model before connecting: a bad study file or model is reported without touching the cluster.
    let submission =
        match args.TryGetResult StudyArgs.Attach with
        | Some _ -> None
        | None ->
            let file, plan = readStudy args
            let _, _, results = paths args
            use model = loadModel plan (args.TryGetResult StudyArgs.Model) torch.CPU
            describe plan $"the cluster at {redis}"

            Some(
                ClusterStudy.Describe(
                    File.ReadAllText file,
                    plan.Captions,
                    ModelFingerprint.Of model,
                    model.Transformer.Config.NumLayers,
                    results,
                    kind,
                    lease
                )
            )

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation

    let connection =
        ClusterConnection.ConnectAsync(redis, TimeSpan.FromSeconds 30.0, cancellation.Token).GetAwaiter().GetResult()

    try
        let cluster = ClusterStudy(connection.Client)

        let submission =
            match submission, args.TryGetResult StudyArgs.Attach with
            | Some submission, _ ->
                let progress = cluster.SubmitAsync(submission).GetAwaiter().GetResult()

                eprintfn
                    "study id: %s (%d jobs, %d already done); results: %s"
                    submission.StudyId
                    progress.Total
                    progress.Done
                    submission.Results

                submission
            | None, Some id ->
                match cluster.FindAsync(id).GetAwaiter().GetResult() with
                | null ->
                    usageError
                        $"--attach: the cluster at {redis} does not know study '{id}' (finished and forgotten, or its coordinator's silo died while nobody waited): submit the study file again; finished jobs are kept."
                | submission -> submission
            | None, None -> usageError "a study file is required (or --attach ID with --cluster)."

        if args.Contains StudyArgs.Detach then
            eprintfn
                "detached; the workers go on. Reattach with: rhymeflow study --cluster %O --attach %s"
                redis
                submission.StudyId

            ExitCode.Success
        else
            let result =
                cluster
                    .WaitAsync(
                        submission,
                        $"the cluster at {redis} (model {submission.Model})",
                        ClusterOptions.liveProgress quiet,
                        TimeSpan.FromMilliseconds 500.0,
                        TimeSpan.FromSeconds 60.0,
                        cancellation.Token
                    )
                    .GetAwaiter()
                    .GetResult()

            if not quiet && not Console.IsErrorRedirected then
                eprintfn ""

            writeOutputs args result
    finally
        connection.DisposeAsync().AsTask().GetAwaiter().GetResult()

let run (args: ParseResults<StudyArgs>) : int =
    match args.TryGetResult StudyArgs.Cluster with
    | Some value -> runOnCluster args (ClusterOptions.address "--cluster" value)
    | None ->
        ClusterOptions.requireCluster
            [
                "--detach", args.Contains StudyArgs.Detach
                "--attach", args.Contains StudyArgs.Attach
                "--lease", args.Contains StudyArgs.Lease
            ]

        runHere args
