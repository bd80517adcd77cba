/// `generate`: a caption → clips with the built-in model, written as GIF (and MP4 with ffmpeg), a contact sheet,
/// latents and a report; optionally compared with dense on the same seeds.
module RhymeFlow.Cli.Commands.Generate

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Evaluation
open RhymeFlow.Host.Media
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options

/// GIF and MP4 frames are upscaled this many times (32 → 256 pixels).
[<Literal>]
let private ViewScale = 8

[<Literal>]
let private FrameDelay = 8

/// "A red circle, moving right!" → "a-red-circle-moving-right".
let slug (caption: string) =
    let chars =
        caption.ToLowerInvariant()
        |> Seq.map (fun c -> if Char.IsAsciiLetterOrDigit c then c else '-')
        |> Array.ofSeq

    let text = String(chars)

    let collapsed =
        text.Split('-', StringSplitOptions.RemoveEmptyEntries) |> String.concat "-"

    if collapsed = "" then "clip" else collapsed

let private scheduleOptions (args: ParseResults<GenerateArgs>) =
    let name = args.GetResult(GenerateArgs.Schedule, defaultValue = "rhymeflow")

    if name.ToLowerInvariant() = "teacache" then
        usageError
            "--schedule teacache is not implemented yet; use dense, rhymeflow, fewer-steps (with --fewer N) or a schedule JSON file."

    let steps = args.TryGetResult GenerateArgs.Steps

    // The default warm-up (10) is for 50 steps; with --steps alone, keep the same fraction.
    let warmup =
        match args.TryGetResult GenerateArgs.Warmup, steps with
        | Some w, _ -> Some w
        | None, Some s when name.ToLowerInvariant() = "rhymeflow" ->
            Some(max 1 (int (Math.Round(float s / 5.0, MidpointRounding.AwayFromZero))))
        | None, _ -> None

    {
        NameOrFile = name
        Solver = args.TryGetResult GenerateArgs.Solver
        Shift = args.TryGetResult GenerateArgs.Shift
        Steps = steps
        Fewer = args.TryGetResult GenerateArgs.Fewer
        Warmup = warmup
        KeyframeCount = args.TryGetResult GenerateArgs.Keyframe_Count
        MinSkip = args.TryGetResult GenerateArgs.Min_Skip
        MaxSkip = args.TryGetResult GenerateArgs.Max_Skip
        Projection = args.TryGetResult GenerateArgs.Projection
        Context = args.TryGetResult GenerateArgs.Context
        Strategy = args.TryGetResult GenerateArgs.Strategy
    }

let private describe (spec: Spec) =
    match spec.Schedule with
    | Dense -> $"dense, {spec.Sampling.Steps} steps"
    | FewerSteps steps -> $"fewer-steps, {steps} of {spec.Sampling.Steps} steps"
    | RhymeFlow knobs ->
        $"rhymeflow, {spec.Sampling.Steps} steps, warm-up {knobs.WarmupSteps}, {knobs.Budget} keyframes"

/// Everything the command line asks for, checked before any model is loaded.
type private Request =
    {
        Caption: string
        Schedule: ScheduleSpec
        Compare: ScheduleSpec option
        Guidance: float
        Seeds: int64 list
        Device: torch.Device
        DeviceName: string
        DType: torch.ScalarType
        DTypeName: string
        Model: string option
        Out: string
    }

let private request (args: ParseResults<GenerateArgs>) =
    let caption = args.GetResult GenerateArgs.Caption

    try
        Caption.Parse caption |> ignore
    with :? FormatException as e ->
        let words =
            Vocabulary.Words
            |> Seq.filter (fun w -> not (w.StartsWith "<"))
            |> String.concat " "

        usageError $"the caption: {e.Message} The vocabulary: {words}."

    if args.Contains GenerateArgs.Prompt_Embeds then
        usageError
            "--prompt-embeds: generating from a real Wan checkpoint is not supported yet (the engine has no Wan VAE decoder to turn its latents into frames); use `rhymeflow sample` for latents, or --model with a built-in package."

    let schedule = schedule (scheduleOptions args)

    let compare =
        args.TryGetResult GenerateArgs.Compare
        |> Option.map (fun name ->
            if name.ToLowerInvariant() <> "dense" then
                usageError $"--compare: '{name}' is not supported; expected dense."

            ScheduleSpec
                {
                    Sampling = schedule.Spec.Sampling
                    Schedule = Dense
                })

    let guidance = args.GetResult(GenerateArgs.Guidance, defaultValue = 5.0)

    if not (Double.IsFinite guidance) || guidance < 1.0 then
        usageError $"--guidance must be at least 1 (1 disables guidance), got {guidance}."

    let batch = args.GetResult(GenerateArgs.Batch, defaultValue = 1)

    if batch < 1 then
        usageError $"--batch must be at least 1, got {batch}."

    let seed = int64 (args.GetResult(GenerateArgs.Seed, defaultValue = 0))

    let deviceName =
        args.GetResult(GenerateArgs.Device, defaultValue = "cpu").ToLowerInvariant()

    let deviceName = choice "--device" [ "cpu", "cpu"; "cuda", "cuda" ] deviceName

    if deviceName = "cuda" && not (torch.cuda.is_available ()) then
        usageError "--device cuda, but TorchSharp sees no CUDA device."

    // torch.CUDA initialises the CUDA backend when read, so it is read only when asked for.
    let device = if deviceName = "cuda" then torch.CUDA else torch.CPU

    let dtypeName = args.GetResult(GenerateArgs.Dtype, defaultValue = "float32")

    let dtype =
        choice
            "--dtype"
            [
                "float32", torch.ScalarType.Float32
                "f32", torch.ScalarType.Float32
                "bfloat16", torch.ScalarType.BFloat16
                "bf16", torch.ScalarType.BFloat16
                "float16", torch.ScalarType.Float16
                "f16", torch.ScalarType.Float16
            ]
            dtypeName

    let model =
        args.TryGetResult GenerateArgs.Model
        |> Option.map (fun dir ->
            if not (Directory.Exists dir) then
                usageError $"--model: no such folder: {dir}"

            dir)

    {
        Caption = caption
        Schedule = schedule
        Compare = compare
        Guidance = guidance
        Seeds = List.init batch (fun i -> seed + int64 i)
        Device = device
        DeviceName = deviceName
        DType = dtype
        DTypeName = dtypeName
        Model = model
        Out = args.GetResult(GenerateArgs.Out, defaultValue = Path.Combine("out", slug caption))
    }

/// The ffmpeg on PATH, if any.
let private ffmpeg () =
    let path =
        Environment.GetEnvironmentVariable "PATH"
        |> Option.ofObj
        |> Option.defaultValue ""

    path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun dir -> Path.Combine(dir, "ffmpeg"))
    |> Array.tryFind File.Exists

/// Encodes the upscaled frames with ffmpeg into a temporary file, then renames it; Error with the reason otherwise.
let private writeMp4 (ffmpeg: string) (path: string) (clip: VideoClip) =
    let work = Directory.CreateTempSubdirectory("rhymeflow-mp4-").FullName

    let temporary =
        Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath path),
            $".{Path.GetFileName path}.{Guid.NewGuid():N}.tmp.mp4"
        )

    try
        for f in 0 .. clip.Frames - 1 do
            PngWriter.Write(Path.Combine(work, $"frame{f:D3}.png"), RgbImage.FromFrame(clip, f).Upscale ViewScale)

        let info =
            ProcessStartInfo(
                ffmpeg,
                [
                    "-hide_banner"
                    "-loglevel"
                    "error"
                    "-y"
                    "-framerate"
                    string (100 / FrameDelay)
                    "-i"
                    Path.Combine(work, "frame%03d.png")
                    "-pix_fmt"
                    "yuv420p"
                    temporary
                ],
                RedirectStandardError = true,
                UseShellExecute = false
            )

        use proc = Process.Start info
        let errors = proc.StandardError.ReadToEnd()
        proc.WaitForExit()

        if proc.ExitCode = 0 then
            File.Move(temporary, path, true)
            Ok path
        else
            Error $"ffmpeg exited with {proc.ExitCode}: {errors.Trim()}"
    finally
        Directory.Delete(work, true)

        if File.Exists temporary then
            File.Delete temporary

let private seconds (span: TimeSpan) = Math.Round(span.TotalSeconds, 3)

let private judgementJson (j: ClipJudgement) =
    {|
        adherence = Math.Round(j.Adherence, 4)
        count = j.CountCorrect
        colour = j.ColourCorrect
        shape = j.ShapeCorrect
        motion = j.MotionCorrect
        speed = j.SpeedCorrect
    |}

let private mark (ok: bool) = if ok then "yes" else "no"

let run (args: ParseResults<GenerateArgs>) : int =
    let r = request args
    let quiet = args.Contains GenerateArgs.Quiet
    let mode = DenoiseProgress.mode quiet
    let phases = Collections.Generic.List<string * TimeSpan>()

    let timed name f =
        let clock = Stopwatch.StartNew()
        let result = f ()
        phases.Add(name, clock.Elapsed)
        result

    use model =
        timed "load model" (fun () ->
            match r.Model with
            | Some dir -> MiniModel.Load(dir, r.Device, r.DType)
            | None -> MiniModel.LoadDefault(r.Device, r.DType))

    use cancellation = new CancellationTokenSource()

    use _ =
        Console.CancelKeyPress.Subscribe(fun e ->
            e.Cancel <- true
            cancellation.Cancel())

    let generator = MiniVideoGenerator(model)
    let count = r.Seeds.Length

    let generateAll (name: string) (schedule: ScheduleSpec) =
        timed $"generate ({name})" (fun () ->
            r.Seeds
            |> List.mapi (fun i seed ->
                let label =
                    if count > 1 || r.Compare.IsSome then
                        $"{name} {i + 1}/{count} "
                    else
                        ""

                DenoiseProgress.run mode label (Spec.ladderSteps schedule.Spec) (fun progress ->
                    generator.GenerateAsync(r.Caption, seed, schedule, r.Guidance, progress, cancellation.Token))))

    let videos = generateAll "schedule" r.Schedule
    let dense = r.Compare |> Option.map (generateAll "dense")

    let judgements, denseJudgements, similarity =
        timed "evaluate" (fun () ->
            let judge (clips: MiniVideo list) =
                clips |> List.map (fun v -> ClipEvaluator.Evaluate(v.Clip, r.Caption))

            let similarity =
                dense
                |> Option.map (fun reference ->
                    List.map2
                        (fun (v: MiniVideo) (d: MiniVideo) ->
                            VideoMetrics.Psnr(d.Clip, v.Clip), VideoMetrics.Ssim(d.Clip, v.Clip))
                        videos
                        reference)

            judge videos, dense |> Option.map judge, similarity)

    // Nothing is written before every run has finished; each file is written to a temporary name and renamed.
    cancellation.Token.ThrowIfCancellationRequested()
    let out = r.Out
    Directory.CreateDirectory out |> ignore
    let file name = Path.Combine(out, name)
    let ffmpegPath = ffmpeg ()

    let gifs, mp4s =
        timed "write" (fun () ->
            let gifs =
                videos
                |> List.map (fun v ->
                    let name = $"clip-seed{v.Seed}.gif"
                    GifWriter.Write(file name, v.Clip, ViewScale, FrameDelay)
                    name)

            let mp4s =
                videos
                |> List.map (fun v ->
                    match ffmpegPath with
                    | None -> Error "skipped: ffmpeg is not on PATH"
                    | Some ffmpeg ->
                        let name = $"clip-seed{v.Seed}.mp4"
                        writeMp4 ffmpeg (file name) v.Clip |> Result.map (fun _ -> name))

            let sheetClips =
                (videos @ (dense |> Option.defaultValue [])) |> List.map (fun v -> v.Clip)

            PngWriter.Write(file "contact-sheet.png", ContactSheet.FromClips(Array.ofList sheetClips))
            PlanPicture.Write(file "plan.png", videos.Head.Plan)

            let latents =
                videos
                |> List.map (fun v ->
                    use pixels = v.Clip.ToTensor()
                    use batch = pixels.unsqueeze 0
                    SpaceToDepthCodec.Encode batch)

            try
                use stacked = torch.cat (Array.ofList latents, 0L)

                SafetensorsWriter.Write(
                    file "latents.safetensors",
                    readOnlyDict [ "latents", stacked ],
                    readOnlyDict
                        [
                            "caption", r.Caption
                            "seeds", (r.Seeds |> List.map string |> String.concat ",")
                            "layout", "[clips, 12, 16, 16, 16] space-to-depth latents of the clamped clips"
                        ]
                )
            finally
                latents |> List.iter (fun t -> t.Dispose())

            gifs, mp4s)

    let speedup =
        dense
        |> Option.map (fun reference ->
            (reference |> List.sumBy (fun d -> d.DenoiseElapsed.TotalSeconds))
            / (videos |> List.sumBy (fun v -> v.DenoiseElapsed.TotalSeconds)))

    let plan = videos.Head.Plan

    let clipsJson =
        videos
        |> List.mapi (fun i v ->
            {|
                seed = v.Seed
                gif = gifs[i]
                mp4 =
                    match mp4s[i] with
                    | Ok name -> name
                    | Error _ -> null
                keyframes = Array.ofSeq v.Plan.Keyframes
                evaluations = v.Plan.Evaluations.Count
                full = v.Plan.FullCount
                active = v.Plan.ActiveCount
                denoise_s = seconds v.DenoiseElapsed
                total_s = seconds v.TotalElapsed
                metrics = judgementJson judgements[i]
                compare =
                    match dense, denseJudgements, similarity with
                    | Some d, Some dj, Some s ->
                        box
                            {|
                                dense_denoise_s = seconds d[i].DenoiseElapsed
                                speedup =
                                    Math.Round(d[i].DenoiseElapsed.TotalSeconds / v.DenoiseElapsed.TotalSeconds, 3)
                                psnr_db = Math.Round(fst s[i], 3)
                                ssim = Math.Round(snd s[i], 4)
                                dense_metrics = judgementJson dj[i]
                            |}
                    | _ -> null
            |})

    let mp4Note =
        match
            mp4s
            |> List.tryPick (fun m ->
                match m with
                | Error e -> Some e
                | Ok _ -> None)
        with
        | Some reason -> $"MP4: {reason}."
        | None -> "MP4: written with ffmpeg."

    let json =
        JsonSerializer.Serialize(
            {|
                caption = r.Caption
                model = r.Model |> Option.defaultValue "built-in (shipped)"
                parameters = model.ParameterCount
                device = r.DeviceName
                dtype = r.DTypeName
                schedule = describe r.Schedule.Spec
                spec = JsonDocument.Parse(r.Schedule.ToJson()).RootElement
                guidance = r.Guidance
                seeds = Array.ofList r.Seeds
                phases =
                    phases
                    |> Seq.map (fun (name, t) -> {| phase = name; seconds = seconds t |})
                    |> Array.ofSeq
                plan_png = "plan.png"
                contact_sheet = "contact-sheet.png"
                latents = "latents.safetensors"
                mp4 = mp4Note
                keyframes = Array.ofSeq plan.Keyframes
                speedup = speedup |> Option.map (fun s -> Math.Round(s, 3)) |> Option.toNullable
                clips = Array.ofList clipsJson
            |},
            JsonSerializerOptions(
                WriteIndented = true,
                NumberHandling = Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
            )
        )

    let md = Text.StringBuilder()
    let line (text: string) = md.AppendLine text |> ignore
    let modelName = r.Model |> Option.defaultValue "built-in (shipped)"
    let seedList = r.Seeds |> List.map string |> String.concat ", "
    let keyframeList = plan.Keyframes |> Seq.map string |> String.concat ", "
    line $"# {r.Caption}"
    line ""
    line $"- model: {modelName} ({model.ParameterCount} parameters), {r.DeviceName}, {r.DTypeName}"
    line $"- schedule: {describe r.Schedule.Spec}; guidance {r.Guidance}; seeds {seedList}"
    line $"- keyframes chosen: {keyframeList}"
    line $"- evaluations: {plan.Evaluations.Count} ({plan.FullCount} full, {plan.ActiveCount} keyframe-only)"

    speedup
    |> Option.iter (fun s -> line $"- speedup over dense (denoising wall time, same run): {s:F2}x")

    line $"- {mp4Note}"
    line ""
    line "## Timings"
    line ""
    line "| phase | seconds |"
    line "|---|---:|"
    phases |> Seq.iter (fun (name, t) -> line $"| {name} | {t.TotalSeconds:F3} |")
    line ""
    line "## Clips"
    line ""

    if dense.IsSome then
        line
            "| seed | GIF | denoise s | adherence | colour | shape | motion | dense denoise s | speedup | PSNR dB | SSIM | dense adherence |"

        line "|---|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|"
    else
        line "| seed | GIF | denoise s | adherence | colour | shape | motion |"
        line "|---|---|---:|---:|---|---|---|"

    videos
    |> List.iteri (fun i v ->
        let j = judgements[i]

        let basic =
            $"| {v.Seed} | ![{gifs[i]}]({gifs[i]}) | {v.DenoiseElapsed.TotalSeconds:F2} | {j.Adherence:F2} | {mark j.ColourCorrect} | {mark j.ShapeCorrect} | {mark j.MotionCorrect} |"

        match dense, denseJudgements, similarity with
        | Some d, Some dj, Some s ->
            line
                $"{basic} {d[i].DenoiseElapsed.TotalSeconds:F2} | {d[i].DenoiseElapsed.TotalSeconds / v.DenoiseElapsed.TotalSeconds:F2}x | {fst s[i]:F2} | {snd s[i]:F3} | {dj[i].Adherence:F2} |"
        | _ -> line basic)

    line ""
    line "## Plan"
    line ""
    line "![plan](plan.png)"
    line ""
    line "## Frames"
    line ""
    line "![contact sheet](contact-sheet.png)"
    line ""

    line
        "One row per clip (the dense clips last when compared); latents.safetensors holds the clips' space-to-depth latents."

    writeAtomically (file "report.json") (json + "\n")
    writeAtomically (file "report.md") (md.ToString())

    printfn "wrote %s: %d clip(s), %s" out count (describe r.Schedule.Spec)

    if not quiet then
        printfn "%s" mp4Note

    ExitCode.Success
