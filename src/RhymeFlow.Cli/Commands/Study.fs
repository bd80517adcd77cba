/// `study`: every row of a study file on the built-in model's held-out captions, measured side by side in one run;
/// writes the Markdown report with its table and goals, the Pareto picture and the contact sheet.
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
open RhymeFlow.Cli.Arguments
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

let run (args: ParseResults<StudyArgs>) : int =
    let file = args.GetResult StudyArgs.File
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

    let device, deviceName =
        Options.device (args.GetResult(StudyArgs.Device, defaultValue = "cpu"))

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

    Directory.CreateDirectory images |> ignore

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath report))
    |> ignore

    use model = loadModel plan (args.TryGetResult StudyArgs.Model) device

    let where =
        if deviceName = "cpu" then
            $"{MachineInfo.CpuModel()} ({Environment.ProcessorCount} logical cores, {torch.get_num_threads ()} torch threads, float32)"
        else
            $"{deviceName}, float32"

    eprintfn "study %s: %d rows x %d captions on %s" plan.Name plan.Rows.Count plan.Captions where

    for row in plan.Rows do
        let predicted =
            if Double.IsNaN row.PredictedSpeedup then
                "data-dependent"
            else
                $"%.2f{row.PredictedSpeedup}x predicted"

        eprintfn "  %-22s %-20s %s" row.Name (StudyReport.MethodName row.Method) predicted

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

    // The jobs' model: the override folder, else the study's own.
    let modelId = args.TryGetResult StudyArgs.Model |> Option.defaultValue plan.Model

    eprintfn "results: %s" (Path.GetFullPath results)

    let result =
        StudyJobRunner(model)
            .RunAsync(plan, modelId, where, results, progress, cancellation.Token)
            .GetAwaiter()
            .GetResult()

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
