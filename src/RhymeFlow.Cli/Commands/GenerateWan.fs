/// `generate --model DIR` with a Wan 2.1 pipeline folder in diffusers layout: prompt → umT5 embeddings (prompt and
/// negative prompt) → the transformer under a schedule → the VAE → GIF (and MP4 with ffmpeg), contact sheet, plan
/// picture, latents and a report with the time of each phase.
module RhymeFlow.Cli.Commands.GenerateWan

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Media
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Host.Models.WanVae
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.Commands.GenerateOptions
open RhymeFlow.Cli.Commands.GenerateOutputs

/// Whether `dir` is a Wan 2.1 pipeline folder: it holds model_index.json.
let isPipelineFolder (dir: string) =
    File.Exists(Path.Combine(dir, "model_index.json"))

/// Everything the command line asks for, checked (the folder included) before any network is loaded.
type private Request =
    {
        Prompt: string
        Negative: string
        Folder: WanPipelineFolder
        Schedule: ScheduleSpec
        Reduction: TokenReductionSpec option
        Cache: RhymeFlow.Cli.CacheOptions.CacheChoice
        Frames: int
        Height: int
        Width: int
        Guidance: float
        Seed: int64
        Device: torch.Device
        DeviceName: string
        DType: torch.ScalarType
        DTypeName: string
        Out: string
    }

let private request (args: ParseResults<GenerateArgs>) (dir: string) =
    reject
        "a Wan 2.1 pipeline folder"
        [
            "--prompt-embeds", args.Contains GenerateArgs.Prompt_Embeds
            "--batch", args.Contains GenerateArgs.Batch
            "--max-batch", args.Contains GenerateArgs.Max_Batch
            "--compare", args.Contains GenerateArgs.Compare
        ]

    let prompt = args.GetResult GenerateArgs.Caption

    if String.IsNullOrWhiteSpace prompt then
        usageError "the prompt is empty."

    // Every problem of the folder at once; bad usage, since the folder is what the user named.
    let folder =
        try
            WanPipelineFolder.Open dir
        with :? PipelineFolderException as e ->
            usageError $"--model: {e.Message}"

    let vae = WanVaeConfig.FromJson folder.Vae.ConfigPath

    let struct (_, patch, _) =
        (WanConfig.FromJson folder.Transformer.ConfigPath).PatchSize

    let temporal, spatial = vae.ScaleFactorTemporal, vae.ScaleFactorSpatial * patch
    let frames = args.GetResult(GenerateArgs.Frames, defaultValue = 81)
    let height = args.GetResult(GenerateArgs.Height, defaultValue = 480)
    let width = args.GetResult(GenerateArgs.Width, defaultValue = 832)

    if frames < 1 || (frames - 1) % temporal <> 0 then
        usageError $"--frames must be 1 + {temporal}k for this VAE (e.g. {1 + 20 * temporal}), got {frames}."

    for flag, value in [ "--height", height; "--width", width ] do
        if value <= 0 || value % spatial <> 0 then
            usageError $"{flag} must be a positive multiple of {spatial} for this model, got {value}."

    let schedule = schedule (scheduleOptions (Some folder.Scheduler.FlowShift) args)
    // The plan is checked against the latent frames now, so that a bad keyframe budget is bad usage.
    prepare schedule (1 + (frames - 1) / temporal) |> ignore
    let reduction = reduction args
    checkReduction reduction (WanConfig.FromJson folder.Transformer.ConfigPath).NumLayers schedule
    let device, deviceName = device args
    let dtype, dtypeName = dtype args

    {
        Prompt = prompt
        Negative = args.GetResult(GenerateArgs.Negative, defaultValue = "")
        Folder = folder
        Schedule = schedule
        Reduction = reduction
        Cache = cache args schedule
        Frames = frames
        Height = height
        Width = width
        Guidance = guidance args
        Seed = seed args
        Device = device
        DeviceName = deviceName
        DType = dtype
        DTypeName = dtypeName
        Out = args.GetResult(GenerateArgs.Out, defaultValue = Path.Combine("out", slug prompt))
    }

let run (args: ParseResults<GenerateArgs>) (dir: string) : int =
    let r = request args dir
    let quiet = args.Contains GenerateArgs.Quiet
    let mode = DenoiseProgress.mode quiet
    let phases = PhaseTimes()
    let timed name f = phases.Time(name, f)

    use pipeline =
        timed "load model" (fun () -> WanVideoPipeline.Load(r.Folder.Root, r.Device, r.DType))

    use cancellation = new CancellationTokenSource()

    use _ = cancelOnCtrlC cancellation

    let wanRequest =
        WanVideoRequest(
            r.Prompt,
            r.Negative,
            r.Frames,
            r.Height,
            r.Width,
            r.Schedule,
            r.Guidance,
            r.Seed,
            Option.toObj r.Reduction,
            // Wan checkpoints take the TeaCache authors' Wan2.1-1.3B polynomial.
            StepCache = RhymeFlow.Cli.CacheOptions.stepCache r.Cache RhymeFlow.Cli.CacheOptions.wanCoefficients
        )

    use video =
        DenoiseProgress.run mode "" (Spec.ladderSteps r.Schedule.Spec) (fun progress ->
            pipeline.GenerateAsync(wanRequest, progress, cancellation.Token))

    phases.Add("text encoding", video.Timings.TextEncoding)
    phases.Add("denoising", video.Timings.Denoising)
    phases.Add("decoding", video.Timings.Decoding)

    // Nothing is written before the run has finished; each file is written to a temporary name and renamed.
    cancellation.Token.ThrowIfCancellationRequested()
    let out = r.Out
    Directory.CreateDirectory out |> ignore
    let file name = Path.Combine(out, name)
    let clip = VideoClip.FromTensor video.Video
    let scale = viewScale clip.Width
    let gif = $"video-seed{r.Seed}.gif"

    let mp4 =
        timed "write" (fun () ->
            GifWriter.Write(file gif, clip, scale, FrameDelay)
            let mp4 = tryWriteMp4 (ffmpeg ()) scale out $"video-seed{r.Seed}.mp4" clip
            // About eight frames of the video, each at least 128 pixels wide.
            let frameStep = max 1 ((clip.Frames - 1) / 8)
            let sheetScale = max 1 ((128 + clip.Width - 1) / clip.Width)
            PngWriter.Write(file "contact-sheet.png", ContactSheet.FromClips([| clip |], frameStep, sheetScale))
            PlanPicture.Write(file "plan.png", video.Plan)

            SafetensorsWriter.Write(
                file "latents.safetensors",
                readOnlyDict [ "latents", video.Latents ],
                readOnlyDict
                    [
                        "prompt", r.Prompt
                        "negative_prompt", r.Negative
                        "seed", string r.Seed
                        "layout", "[1, z, F, h, w] final latents before the VAE's de-normalisation"
                    ]
            )

            mp4)

    let plan = video.Plan
    let note = mp4Note [ mp4 ]
    let timings = video.Timings

    let json =
        JsonSerializer.Serialize(
            {|
                prompt = r.Prompt
                negative_prompt = r.Negative
                model = r.Folder.Root
                device = r.DeviceName
                dtype = r.DTypeName
                frames = r.Frames
                height = r.Height
                width = r.Width
                flow_shift = r.Folder.Scheduler.FlowShift
                schedule = describe r.Schedule.Spec
                spec = JsonDocument.Parse(r.Schedule.ToJson()).RootElement
                reduction = describeReduction r.Reduction
                cache = RhymeFlow.Cli.CacheOptions.describe r.Cache
                cache_run = RhymeFlow.Cli.CacheOptions.summary video.CacheTrace
                guidance = r.Guidance
                seed = r.Seed
                timings =
                    {|
                        text_encoding_s = seconds timings.TextEncoding
                        denoising_s = seconds timings.Denoising
                        decoding_s = seconds timings.Decoding
                        total_s = seconds timings.Total
                    |}
                phases =
                    phases.All
                    |> Seq.map (fun (name, t) -> {| phase = name; seconds = seconds t |})
                    |> Array.ofSeq
                gif = gif
                mp4 =
                    match mp4 with
                    | Ok name -> name
                    | Error _ -> null
                mp4_note = note
                plan_png = "plan.png"
                contact_sheet = "contact-sheet.png"
                latents = "latents.safetensors"
                keyframes = Array.ofSeq plan.Keyframes
                evaluations = plan.Evaluations.Count
                full = plan.FullCount
                active = plan.ActiveCount
            |},
            jsonOptions
        )

    let md = Text.StringBuilder()
    let line (text: string) = md.AppendLine text |> ignore
    let keyframeList = plan.Keyframes |> Seq.map string |> String.concat ", "
    let negative = if r.Negative = "" then "(empty)" else r.Negative
    line $"# {r.Prompt}"
    line ""
    line $"- model: {r.Folder.Root} (Wan 2.1, diffusers layout), {r.DeviceName}, {r.DTypeName}"
    line $"- video: {r.Frames} frames of {r.Width}x{r.Height}; negative prompt: {negative}"

    line
        $"- schedule: {describe r.Schedule.Spec}; flow shift {r.Schedule.Spec.Sampling.Shift}; guidance {r.Guidance}; seed {r.Seed}"

    line $"- token reduction: {describeReduction r.Reduction}"

    if r.Cache <> RhymeFlow.Cli.CacheOptions.NoCache then
        line
            $"- step cache: {RhymeFlow.Cli.CacheOptions.describe r.Cache}; {RhymeFlow.Cli.CacheOptions.summary video.CacheTrace}"

    line $"- keyframes chosen: {keyframeList}"
    line $"- evaluations: {plan.Evaluations.Count} ({plan.FullCount} full, {plan.ActiveCount} keyframe-only)"
    line $"- {note}"
    line ""
    timingsTable line phases.All
    line "## Video"
    line ""
    line $"![{gif}]({gif})"
    line ""
    line "## Plan"
    line ""
    line "![plan](plan.png)"
    line ""
    line "## Frames"
    line ""
    line "![contact sheet](contact-sheet.png)"
    line ""
    line "latents.safetensors holds the final latents, before the VAE's de-normalisation."
    writeAtomically (file "report.json") (json + "\n")
    writeAtomically (file "report.md") (md.ToString())

    printfn
        "wrote %s: %d frames of %dx%d, %s (text encoding %.2f s, denoising %.2f s, decoding %.2f s)"
        out
        r.Frames
        r.Width
        r.Height
        (describe r.Schedule.Spec)
        timings.TextEncoding.TotalSeconds
        timings.Denoising.TotalSeconds
        timings.Decoding.TotalSeconds

    if r.Cache <> RhymeFlow.Cli.CacheOptions.NoCache then
        printfn
            "step cache (%s): %s"
            (RhymeFlow.Cli.CacheOptions.describe r.Cache)
            (RhymeFlow.Cli.CacheOptions.summary video.CacheTrace)

    if not quiet then
        printfn "%s" note

    ExitCode.Success
