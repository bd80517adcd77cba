/// `sample`: initial noise → latents with a schedule, for reproducible research runs.
module RhymeFlow.Cli.Commands.Sample

open System
open System.IO
open System.Threading
open System.Collections.Generic
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Acceleration.AsymRnR
open RhymeFlow.Host.Models
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.ModelInputs

/// The request's own checks (tensor shapes, guidance) as bad usage.
let private denoiseRequestParameters =
    set [ "PromptEmbeddings"; "NegativeEmbeddings"; "InitialNoise"; "Guidance" ]

let private scheduleOptions (args: ParseResults<SampleArgs>) : RhymeFlow.Cli.Options.ScheduleOptions =
    {
        NameOrFile = args.GetResult(SampleArgs.Schedule, defaultValue = "rhymeflow")
        Solver = args.TryGetResult SampleArgs.Solver
        Shift = args.TryGetResult SampleArgs.Shift
        Steps = args.TryGetResult SampleArgs.Steps
        Fewer = args.TryGetResult SampleArgs.Fewer
        Warmup = args.TryGetResult SampleArgs.Warmup
        KeyframeCount = args.TryGetResult SampleArgs.Keyframe_Count
        MinSkip = args.TryGetResult SampleArgs.Min_Skip
        MaxSkip = args.TryGetResult SampleArgs.Max_Skip
        Projection = args.TryGetResult SampleArgs.Projection
        Context = args.TryGetResult SampleArgs.Context
        Strategy = args.TryGetResult SampleArgs.Strategy
    }

let private checkGuidance guidance =
    if not (Double.IsFinite guidance) || guidance < 1.0 then
        usageError $"--guidance must be at least 1 (1 disables guidance), got {guidance}."

let private readKeyframes (args: ParseResults<SampleArgs>) (schedule: ScheduleSpec) =
    let keyframes =
        args.TryGetResult SampleArgs.Keyframes
        |> Option.map RhymeFlow.Cli.Options.keyframes

    match keyframes, schedule.Spec.Schedule with
    | Some _, RhymeFlow _
    | None, _ -> ()
    | Some _, _ ->
        let name = args.GetResult(SampleArgs.Schedule, defaultValue = "rhymeflow")
        usageError $"--keyframes applies to the rhymeflow schedule only; --schedule {name} is not one."

    keyframes

/// Checks the plan against the clip before a model is loaded, so that its errors are bad usage, early.
let private checkPlan (schedule: ScheduleSpec) (frames: int) (keyframes: int[] option) =
    let prepared =
        try
            RhymeFlow.Cli.Options.prepare schedule frames
        with UsageError message when message.StartsWith "--frames" ->
            usageError $"--init-noise ({frames} latent frames){message.Substring 8}"

    RhymeFlow.Cli.Options.compile prepared keyframes |> ignore

/// The denoising run with progress, the latents written to --out and the summary printed.
let private denoise
    (args: ParseResults<SampleArgs>)
    (model: IVideoTransformer)
    (request: DenoiseRequest)
    (clips: int)
    (cacheDescription: string)
    (usage: exn -> string option)
    =
    use cancellation = new CancellationTokenSource()

    use _ = cancelOnCtrlC cancellation

    let mode = DenoiseProgress.mode (args.Contains SampleArgs.Quiet)

    use result =
        try
            DenoiseProgress.run mode "" (Spec.ladderSteps request.Schedule.Spec) (fun progress ->
                VideoDenoiser(model).GenerateAsync(request, progress, cancellation.Token))
        with e ->
            match usage e with
            | Some message -> usageError message
            | None -> reraise ()

    use latents = result.Latents.cpu ()
    let out = args.GetResult SampleArgs.Out
    SafetensorsWriter.Write(out, readOnlyDict [ "latents", latents ])

    let batch = if clips > 1 then $" for {clips} clips" else ""

    printfn
        "wrote %s: %d evaluations (%d full, %d keyframe-only)%s in %.1f s"
        out
        result.Plan.Evaluations.Count
        result.Plan.FullCount
        result.Plan.ActiveCount
        batch
        result.Elapsed.TotalSeconds

    if not (isNull result.CacheTrace) then
        printfn "step cache (%s): %s" cacheDescription (RhymeFlow.Cli.CacheOptions.summary result.CacheTrace)

    ExitCode.Success

/// A family behind the model seam: its pipeline's sampler and guidance by default, its prompt extras (mask, pooled
/// embeddings) from the command line; Wan's own features (step caches, AsymRnR, negative prompts) are refused by the
/// family where it lacks them, naming it.
let private runSeam (args: ParseResults<SampleArgs>) (family: VideoFamily) configPath weightsPath =
    let entry = Families.ofFamily family
    let seam = Families.seam "sample" family

    rejectGiven
        (fun flag -> $"{flag}: `sample` does not take it for {family} yet (Wan only).")
        [
            "--reduction", args.Contains SampleArgs.Reduction
            "--cache", args.Contains SampleArgs.Cache
        ]

    let schedule =
        RhymeFlow.Cli.Options.scheduleOn entry.Sampling (scheduleOptions args)

    let guidance = args.GetResult(SampleArgs.Guidance, defaultValue = seam.Guidance)
    checkGuidance guidance
    let keyframes = readKeyframes args schedule

    let tensor flag (value: string) =
        RhymeFlow.Cli.Options.tensorReference flag value |> readTensor

    let optionalTensor flag (value: string option) =
        value |> Option.map (tensor flag) |> Option.toObj

    let dtype =
        RhymeFlow.Cli.Options.dtype (args.GetResult(SampleArgs.Dtype, defaultValue = "float32"))

    let device, _ =
        RhymeFlow.Cli.Options.device (args.GetResult(SampleArgs.Device, defaultValue = "cpu"))

    use initialNoise = tensor "--init-noise" (args.GetResult SampleArgs.Init_Noise)

    use promptEmbeddings =
        tensor "--prompt-embeds" (args.GetResult SampleArgs.Prompt_Embeds)

    use mask = optionalTensor "--prompt-mask" (args.TryGetResult SampleArgs.Prompt_Mask)

    use pooled =
        optionalTensor "--pooled-embeds" (args.TryGetResult SampleArgs.Pooled_Embeds)

    use negative =
        optionalTensor "--negative-embeds" (args.TryGetResult SampleArgs.Negative_Embeds)

    if initialNoise.ndim <> 5L then
        usageError $"--init-noise: the tensor has shape {shape initialNoise}; expected [B, C, F, H, W]."

    let model = seam.Load configPath weightsPath dtype device
    use _ = model :?> IDisposable
    // A plan frame is the family's temporal token (CogVideoX-1.5: 2 latent frames).
    let layout = model.FrameLayout(int initialNoise.shape[3], int initialNoise.shape[4])
    checkPlan schedule (int initialNoise.shape[2] / layout.LatentFramesPerFrame) keyframes

    let request =
        DenoiseRequest(
            promptEmbeddings,
            initialNoise,
            schedule,
            guidance,
            negative,
            (keyframes |> Option.map (fun k -> k :> IReadOnlyList<int>) |> Option.toObj),
            PromptAttentionMask = mask,
            PooledPromptEmbeddings = pooled
        )

    // The request's and the family's checks (shapes, a missing mask, a plan on another ladder) are bad usage.
    let usage (e: exn) =
        match e with
        | :? ArgumentException
        | :? NotSupportedException -> Some $"{family}: {e.Message}"
        | _ -> None

    denoise args model request (int initialNoise.shape[0]) "none" usage

let private runWan (args: ParseResults<SampleArgs>) configPath weightsPath =
    rejectGiven
        (fun flag -> $"{flag}: Wan takes no such input (it is HunyuanVideo's).")
        [
            "--prompt-mask", args.Contains SampleArgs.Prompt_Mask
            "--pooled-embeds", args.Contains SampleArgs.Pooled_Embeds
        ]

    let prompt =
        args.GetResult SampleArgs.Prompt_Embeds
        |> RhymeFlow.Cli.Options.tensorReference "--prompt-embeds"

    let negative =
        args.TryGetResult SampleArgs.Negative_Embeds
        |> Option.map (RhymeFlow.Cli.Options.tensorReference "--negative-embeds")

    let noise =
        args.GetResult SampleArgs.Init_Noise
        |> RhymeFlow.Cli.Options.tensorReference "--init-noise"

    let schedule = RhymeFlow.Cli.Options.schedule (scheduleOptions args)

    let scheduleName = args.GetResult(SampleArgs.Schedule, defaultValue = "rhymeflow")
    let guidance = args.GetResult(SampleArgs.Guidance, defaultValue = 5.0)
    checkGuidance guidance
    let keyframes = readKeyframes args schedule

    let dtype =
        RhymeFlow.Cli.Options.dtype (args.GetResult(SampleArgs.Dtype, defaultValue = "float32"))

    let device, _ =
        RhymeFlow.Cli.Options.device (args.GetResult(SampleArgs.Device, defaultValue = "cpu"))

    // The inputs and the plan are checked before the model is loaded, so that their errors are bad usage, early.
    let config = WanConfig.FromJson configPath
    // A batch is one row per clip of the noise; each text has a row per clip or one row for every clip.
    use initialNoise = readTensor noise
    let clips = checkNoiseBatch "--init-noise" config initialNoise
    use promptEmbeddings = readTensor prompt
    checkTextRows "--prompt-embeds" config.TextDim clips promptEmbeddings

    checkPlan schedule (int initialNoise.shape[2]) keyframes

    let reductionSpec =
        RhymeFlow.Cli.ReductionOptions.reduction
            {
                NameOrFile = args.TryGetResult SampleArgs.Reduction
                QueryRatio = args.TryGetResult SampleArgs.Q_Ratio
                KeyValueRatio = args.TryGetResult SampleArgs.Kv_Ratio
                FromStep = args.TryGetResult SampleArgs.Reduce_From_Step
                FromBlock = args.TryGetResult SampleArgs.Reduce_From_Block
                ReuseSteps = args.TryGetResult SampleArgs.Reuse_Steps
                Stride = args.TryGetResult SampleArgs.Stride
            }

    let attentionReduction =
        match reductionSpec.Policy with
        | NoReduction -> null
        | ByRule _
        | Profiled _ ->
            RhymeFlow.Cli.ReductionOptions.reductionSchedule
                reductionSpec
                config.NumLayers
                (Spec.ladderSteps schedule.Spec)
            |> ignore

            AttentionReduction.Compile(TokenReductionSpec reductionSpec, config.NumLayers, schedule)

    let cache =
        RhymeFlow.Cli.CacheOptions.choice
            (args.TryGetResult SampleArgs.Cache)
            (args.TryGetResult SampleArgs.Cache_Threshold)

    RhymeFlow.Cli.CacheOptions.checkSchedule cache scheduleName schedule

    let negativeEmbeddings = negative |> Option.map readTensor |> Option.toObj

    try
        if not (isNull negativeEmbeddings) then
            checkTextRows "--negative-embeds" config.TextDim clips negativeEmbeddings

        use model = WanTransformer.Create(config, dtype, device)
        model.LoadWeights weightsPath |> ignore

        let request =
            DenoiseRequest(
                promptEmbeddings,
                initialNoise,
                schedule,
                guidance,
                negativeEmbeddings,
                (keyframes |> Option.map (fun k -> k :> IReadOnlyList<int>) |> Option.toObj),
                attentionReduction,
                // `sample` runs Wan checkpoints: the TeaCache authors' Wan2.1-1.3B polynomial.
                StepCache = RhymeFlow.Cli.CacheOptions.stepCache cache RhymeFlow.Cli.CacheOptions.wanCoefficients
            )

        let usage (e: exn) =
            match e with
            | :? ArgumentException as e when denoiseRequestParameters.Contains e.ParamName -> Some e.Message
            | _ -> None

        denoise args model request clips (RhymeFlow.Cli.CacheOptions.describe cache) usage
    finally
        if not (isNull negativeEmbeddings) then
            negativeEmbeddings.Dispose()

let run (args: ParseResults<SampleArgs>) : int =
    let configPath, weightsPath =
        modelPaths
            (args.TryGetResult SampleArgs.Model)
            (args.TryGetResult SampleArgs.Config)
            (args.TryGetResult SampleArgs.Weights)

    // The family first, so that another family's config is named as such rather than misread as Wan's.
    let struct (family, _) = VideoFamilies.Detect configPath

    if family <> VideoFamily.Wan then
        runSeam args family configPath weightsPath
    else
        runWan args configPath weightsPath
