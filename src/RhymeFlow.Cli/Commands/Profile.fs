/// `profile`: a dense run that records how redundant each block's self-attention tokens are at each step, and the
/// tier table and profiled AsymRnR reduction made from it.
module RhymeFlow.Cli.Commands.Profile

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text
open System.Threading
open Argu
open RhymeFlow.Core
open TorchSharp
open RhymeFlow.Host.Acceleration.AsymRnR
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Models
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.ModelInputs
open RhymeFlow.Cli.Commands.ProfileInputs

/// The tier ratios of the paper's 3-level setting, least redundant tier first.
let private defaultQueryRatios = [ 0.0; 0.3; 0.5 ]
let private defaultKeyValueRatios = [ 0.0; 0.15; 0.3 ]

let private features =
    [
        TokenFeatureKind.Queries, "queries"
        TokenFeatureKind.Keys, "keys"
        TokenFeatureKind.Values, "values"
    ]

/// Comma-separated ratios, one per level; without the flag, the defaults at 3 levels.
let private ratios (flag: string) (levels: int) (defaults: float list) (value: string option) =
    match value with
    | None when levels = defaults.Length -> defaults
    | None -> usageError $"{flag}: --levels {levels} needs {levels} ratios, one per tier (the default is for 3 levels)."
    | Some text ->
        let parsed =
            text.Split(',', StringSplitOptions.TrimEntries)
            |> Array.map (fun item ->
                match Double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, ratio -> ratio
                | _ -> usageError $"{flag}: '{item}' is not a ratio; expected e.g. 0,0.3,0.5.")
            |> List.ofArray

        if parsed.Length <> levels then
            usageError $"{flag}: expected {levels} ratios (one per --levels tier), got {parsed.Length} in '{text}'."

        parsed

let private reductionFlag (field: string) =
    match field with
    | "levels"
    | "tiers.levels" -> "--levels"
    | f when f.StartsWith "ratios.query" -> "--query-ratios"
    | f when f.StartsWith "ratios.keyValue" -> "--kv-ratios"
    | f when f.StartsWith "stride." -> "--stride"
    | "reuseSteps" -> "--reuse-steps"
    | _ -> "--levels"

let private validated (spec: ReductionSpec) =
    match Reduction.validate spec with
    | Ok spec -> spec
    | Error e -> usageError $"{reductionFlag e.Field}: {e.Message}"

/// The profiled reduction's settings, checked before the run against a one-cell stand-in for the tiers it will get.
let private reductionSettings (args: ParseResults<ProfileArgs>) =
    let levels = args.GetResult(ProfileArgs.Levels, defaultValue = 3)

    if levels < 1 then
        usageError $"--levels must be at least 1, got {levels}."

    let tierRatios =
        {
            QueryByTier = ratios "--query-ratios" levels defaultQueryRatios (args.TryGetResult ProfileArgs.Query_Ratios)
            KeyValueByTier = ratios "--kv-ratios" levels defaultKeyValueRatios (args.TryGetResult ProfileArgs.Kv_Ratios)
        }

    let standIn =
        match
            Reduction.tiers
                levels
                {
                    QueryStatistics = [ [ 0.0 ] ]
                    KeyStatistics = [ [ 0.0 ] ]
                    ValueStatistics = [ [ 0.0 ] ]
                }
        with
        | Ok tiers -> tiers
        | Error e -> usageError $"{reductionFlag e.Field}: {e.Message}"

    let spec =
        validated
            {
                Policy = Profiled(standIn, tierRatios)
                Stride =
                    args.TryGetResult ProfileArgs.Stride
                    |> Option.map ReductionOptions.stride
                    |> Option.defaultValue Reduction.defaultStride
                ReuseSteps = args.GetResult(ProfileArgs.Reuse_Steps, defaultValue = 3)
                Seed = args.GetResult(ProfileArgs.Seed, defaultValue = 0)
            }

    levels, tierRatios, spec

/// feature,block,step,value with invariant round-trip numbers.
let private statisticsCsv (profiler: RedundancyProfiler) =
    let csv = StringBuilder("feature,block,step,value\n")

    for feature, name in features do
        profiler.Statistics feature
        |> Array.iteri (fun block row ->
            row
            |> Array.iteri (fun step value ->
                csv
                    .Append(name)
                    .Append(',')
                    .Append(block)
                    .Append(',')
                    .Append(step)
                    .Append(',')
                    .Append(value.ToString("R", CultureInfo.InvariantCulture))
                    .Append('\n')
                |> ignore))

    csv.ToString()

let private summary (profiler: RedundancyProfiler) (tiers: RedundancyTierTable) =
    for feature, name in features do
        let cells = profiler.Statistics feature |> Array.concat

        let counts =
            [ 0 .. tiers.Levels - 1 ]
            |> List.map (fun tier ->
                let count =
                    Seq.allPairs [ 0 .. tiers.Blocks - 1 ] [ 0 .. tiers.Steps - 1 ]
                    |> Seq.filter (fun (block, step) -> tiers.Tier(feature, block, step) = tier)
                    |> Seq.length

                $"{tier}:{count}")
            |> String.concat " "

        printfn
            "%-8s mean %.4f  min %.4f  max %.4f  tiers %s"
            name
            (Array.average cells)
            (Array.min cells)
            (Array.max cells)
            counts

let run (args: ParseResults<ProfileArgs>) : int =

    let givenGuidance = args.TryGetResult ProfileArgs.Guidance

    match givenGuidance with
    | Some guidance when not (Double.IsFinite guidance) || guidance < 1.0 ->
        usageError $"--guidance must be at least 1 (1 disables guidance), got {guidance}."
    | _ -> ()

    let levels, tierRatios, settings = reductionSettings args
    let out = args.GetResult ProfileArgs.Out

    if File.Exists out then
        usageError
            $"--out: {out} is a file; expected a folder to write tiers.json, statistics.csv and reduction.json into."

    let dtype =
        Options.dtype (args.GetResult(ProfileArgs.Dtype, defaultValue = "float32"))

    let device, _ =
        Options.device (args.GetResult(ProfileArgs.Device, defaultValue = "cpu"))

    let clock = Stopwatch.StartNew()

    use inputs =
        match args.TryGetResult ProfileArgs.Model, args.TryGetResult ProfileArgs.Caption with
        | Some dir, Some caption when Generate.isBuiltInPackage dir -> builtInInputs args dir caption device dtype
        | Some dir, None when Generate.isBuiltInPackage dir ->
            usageError $"{dir} is a built-in model package: give a caption to profile it on."
        | _ -> transformerInputs args device dtype

    let model = inputs.Transformer

    // Profiling is a dense run on the family's sampler: the statistics describe the attention the reduction will
    // replace.
    let schedule =
        Options.scheduleOn
            inputs.Sampling
            {
                NameOrFile = "dense"
                Solver = args.TryGetResult ProfileArgs.Solver
                Shift = args.TryGetResult ProfileArgs.Shift
                Steps = args.TryGetResult ProfileArgs.Steps
                Fewer = None
                Warmup = None
                KeyframeCount = None
                MinSkip = None
                MaxSkip = None
                Projection = None
                Context = None
                Strategy = None
            }

    let guidance = givenGuidance |> Option.defaultValue inputs.Guidance

    let profiler =
        RedundancyProfiler(
            model.Traits.BlockCount,
            schedule.Steps,
            settings.Stride,
            int64 settings.Seed,
            AttentionReduction.DefaultChunkBytes
        )

    let request =
        DenoiseRequest(
            inputs.Prompt,
            inputs.Noise,
            schedule,
            guidance,
            inputs.Negative,
            AttentionPolicy = profiler,
            PromptAttentionMask = inputs.Mask,
            PooledPromptEmbeddings = inputs.Pooled
        )

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation
    let mode = DenoiseProgress.mode (args.Contains ProfileArgs.Quiet)

    // A family's own checks (shapes, a missing mask, a solver it does not sample with) are bad usage naming it.
    use _ =
        try
            DenoiseProgress.run mode "profile " schedule.Steps (fun progress ->
                VideoDenoiser(model).GenerateAsync(request, progress, cancellation.Token))
        with e when
            (e :? ArgumentException || e :? NotSupportedException)
            && inputs.Family <> VideoFamily.Wan ->
            usageError $"{inputs.Family}: {e.Message}"

    let tiers =
        try
            profiler.ToTierTable levels
        with :? ArgumentException as e when e.ParamName = "levels" ->
            usageError $"--levels: {e.Message}"

    let reduction =
        validated
            { settings with
                Policy = Profiled(tiers.Tiers, tierRatios)
            }

    Options.writeAtomically (Path.Combine(out, "statistics.csv")) (statisticsCsv profiler)
    Options.writeAtomically (Path.Combine(out, "tiers.json")) (tiers.ToJson())
    Options.writeAtomically (Path.Combine(out, "reduction.json")) (Json.writeReduction reduction)
    summary profiler tiers

    printfn
        "wrote %s: tiers.json, statistics.csv, reduction.json (%d blocks x %d steps, %d levels) in %.1f s"
        out
        tiers.Blocks
        tiers.Steps
        tiers.Levels
        clock.Elapsed.TotalSeconds

    ExitCode.Success
