/// `bench`: the loop benchmark of the host (random weights; dense, RhymeFlow, the authors' context, fewer steps),
/// the same core as the bench program's `loop`, with the CLI's flag names.
module RhymeFlow.Cli.Commands.Bench

open System
open System.IO
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Host.Benchmarking
open RhymeFlow.Host.Acceleration.StepCaching
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Cli
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options

/// A geometry preset: model name, latent frames, height, width and text tokens.
let private geometries =
    [
        "wan2.1-1.3b@480p", ("1.3b", 21, 60, 104, 512)
        "wan2.1-1.3b@720p", ("1.3b", 21, 90, 160, 512)
        "wan2.1-14b@480p", ("14b", 21, 60, 104, 512)
        "wan2.1-14b@720p", ("14b", 21, 90, 160, 512)
        "mini", ("mini", 16, 16, 16, 16)
        "tiny", ("tiny", 16, 16, 16, 16)
    ]

let private dtypes =
    [
        "bf16", torch.ScalarType.BFloat16
        "bfloat16", torch.ScalarType.BFloat16
        "f16", torch.ScalarType.Float16
        "float16", torch.ScalarType.Float16
        "f32", torch.ScalarType.Float32
        "float32", torch.ScalarType.Float32
    ]

/// The core names the bench program's flags; say the CLI's.
let private cliFlags (message: string) =
    message
        .Replace("--warmup-steps", "--warmup")
        .Replace("--keyframes ", "--keyframe-count ")
        .Replace("--keyframes,", "--keyframe-count,")

let private positive (flag: string) (value: int) =
    if value < 1 then
        usageError $"{flag} must be at least 1, got {value}."

    value

/// The settings the command line asks for, validated; errors are usage errors naming the flag.
let settings (args: ParseResults<BenchArgs>) =
    let geometryName =
        args.GetResult(BenchArgs.Geometry, defaultValue = "wan2.1-1.3b@480p")

    let modelName, frames, height, width, textLength =
        choice "--geometry" geometries geometryName

    let device =
        choice
            "--device"
            [ "cpu", "cpu"; "cuda", "cuda" ]
            (args.GetResult(BenchArgs.Device, defaultValue = BenchDevice.DefaultKind))

    let dtype =
        match args.TryGetResult BenchArgs.Dtype with
        | Some value -> choice "--dtype" dtypes value
        | None when device = "cuda" -> torch.ScalarType.BFloat16
        | None -> torch.ScalarType.Float32

    let steps = args.GetResult(BenchArgs.Steps, defaultValue = 50)

    let cache =
        RhymeFlow.Cli.CacheOptions.choice
            (args.TryGetResult BenchArgs.Cache)
            (args.TryGetResult BenchArgs.Cache_Threshold)

    // Random weights: the Wan presets take the TeaCache authors' Wan2.1-1.3B polynomial; the built-in model's
    // transformers take its calibration, where the package has one.
    let coefficients () =
        if modelName = "mini" || modelName = "tiny" then
            match
                TeaCacheCalibrationFile.ReadIfPresent(
                    Path.Combine(MiniModel.DefaultDirectory, TeaCacheCalibrationFile.FileName)
                )
            with
            | null -> RhymeFlow.Cli.CacheOptions.wanCoefficients ()
            | file -> file.Coefficients
        else
            RhymeFlow.Cli.CacheOptions.wanCoefficients ()

    let stepCache = RhymeFlow.Cli.CacheOptions.stepCache cache coefficients

    try
        LoopBenchmarkSettings(
            ModelSpec.Parse(args.GetResult(BenchArgs.Model, defaultValue = modelName)),
            args.GetResult(BenchArgs.Frames, defaultValue = frames) |> positive "--frames",
            args.GetResult(BenchArgs.Height, defaultValue = height) |> positive "--height",
            args.GetResult(BenchArgs.Width, defaultValue = width) |> positive "--width",
            args.GetResult(BenchArgs.Text_Len, defaultValue = textLength),
            steps,
            args.GetResult(BenchArgs.Guidance, defaultValue = 5.0),
            args.GetResult(BenchArgs.Shift, defaultValue = 3.0),
            dtype,
            device,
            args.GetResult(BenchArgs.Repeats, defaultValue = 1),
            args.GetResult(BenchArgs.Warmup, defaultValue = LoopBenchmarkSettings.DefaultWarmupSteps steps),
            args.GetResult(BenchArgs.Keyframe_Count, defaultValue = 2),
            args.GetResult(BenchArgs.Min_Skip, defaultValue = 3),
            args.GetResult(BenchArgs.Max_Skip, defaultValue = 5),
            (match args.TryGetResult BenchArgs.Schedules with
             | Some text -> LoopBenchmarkSettings.ParseRows(text, "--schedules")
             | None -> LoopBenchmarkSettings.DefaultRows),
            not (args.Contains BenchArgs.No_Tf32),
            int64 (args.GetResult(BenchArgs.Seed, defaultValue = 0)),
            Cache = stepCache
        )
            .Validate()
    with :? BenchmarkArgumentException as e ->
        usageError (cliFlags e.Message)

let private runWan (args: ParseResults<BenchArgs>) : int =
    let settings = settings args

    if args.Contains BenchArgs.Plan_Only then
        let table, note = LoopBenchmark.PlanTable settings
        printf "%s" (table.ToConsole())
        note |> Option.ofObj |> Option.iter (printfn "%s")
        ExitCode.Success
    else
        use cancellation = new CancellationTokenSource()

        use _ = cancelOnCtrlC cancellation

        let report =
            try
                LoopBenchmark.Run(settings, Console.Out, cancellation.Token)
            with :? BenchmarkArgumentException as e ->
                usageError (cliFlags e.Message)

        printfn ""
        printf "%s" (report.Table.ToConsole())
        printfn ""
        report.Notes |> Seq.iter (printfn "%s")

        args.TryGetResult BenchArgs.Markdown
        |> Option.iter (fun path ->
            let command = args.Parser.PrintCommandLineArgumentsFlat(args.GetAllResults())

            let existing = if File.Exists path then File.ReadAllText path else ""
            writeAtomically path (existing + report.ToMarkdown $"rhymeflow bench {command}")
            printfn "appended to %s" path)

        ExitCode.Success

let run (args: ParseResults<BenchArgs>) : int =
    match args.TryGetResult BenchArgs.Family with
    | Some name ->
        choice "--family" (Families.all |> List.map (fun f -> f.Preset, f)) name
        |> BenchFamily.run args
    | None -> runWan args
