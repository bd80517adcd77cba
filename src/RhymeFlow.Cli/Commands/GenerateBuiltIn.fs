/// `generate` with the built-in model: a caption → clips, written as GIF (and MP4 with ffmpeg), a contact sheet,
/// latents and a report; optionally compared with dense on the same seeds.
module RhymeFlow.Cli.Commands.GenerateBuiltIn

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Acceleration.StepCaching
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Evaluation
open RhymeFlow.Host.Media
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.Commands.GenerateOptions
open RhymeFlow.Cli.Commands.GenerateOutputs
open RhymeFlow.Cli.Commands.GenerateBuiltInRequest

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
    let phases = PhaseTimes()
    let timed name f = phases.Time(name, f)

    use model =
        timed "load model" (fun () ->
            match r.Model with
            | Some dir -> MiniModel.Load(dir, r.Device, r.DType)
            | None -> MiniModel.LoadDefault(r.Device, r.DType))

    let stepCache = modelChecked r model

    use cancellation = new CancellationTokenSource()

    use _ = cancelOnCtrlC cancellation

    let generator = MiniVideoGenerator(model)
    let count = r.Seeds.Length

    // The seeds go in batches of up to --max-batch clips, one denoising run (and one progress bar) each.
    let generateAll (name: string) (schedule: ScheduleSpec) (reduction: TokenReductionSpec option) (cache: StepCache) =
        timed $"generate ({name})" (fun () ->
            r.Seeds
            |> List.chunkBySize r.MaxBatch
            |> List.indexed
            |> List.collect (fun (i, seeds) ->
                let first = i * r.MaxBatch + 1
                let last = first + seeds.Length - 1

                let label =
                    match count > 1 || r.Compare.IsSome, seeds.Length with
                    | false, _ -> ""
                    | true, 1 -> $"{name} {first}/{count} "
                    | true, _ -> $"{name} {first}-{last}/{count} "

                DenoiseProgress.run mode label (Spec.ladderSteps schedule.Spec) (fun progress ->
                    generator.GenerateManyAsync(
                        r.Caption,
                        Array.ofList seeds,
                        schedule,
                        r.Guidance,
                        progress,
                        cancellation.Token,
                        Option.toObj reduction,
                        seeds.Length,
                        cache
                    ))
                |> List.ofSeq))

    // The process's first run of each code path pays one-off costs (JIT, libtorch's kernel selection and allocator).
    // When two schedules are timed against each other, an untimed run of the schedule under test takes them (it
    // exercises the full, keyframe-only and projection paths, which dense's full forwards share), so that neither
    // side carries them.
    if r.Compare.IsSome then
        timed "warm-up" (fun () ->
            generator
                .GenerateAsync(
                    r.Caption,
                    List.head r.Seeds,
                    r.Schedule,
                    r.Guidance,
                    reduction = Option.toObj r.Reduction,
                    stepCache = stepCache
                )
                .GetAwaiter()
                .GetResult()
            |> ignore)

    let videos = generateAll "schedule" r.Schedule r.Reduction stepCache
    // The comparison is against the truly dense run: no token reduction or step cache either.
    let dense = r.Compare |> Option.map (fun c -> generateAll "dense" c None null)

    // Clips of one batch share its trace; the distinct traces are the runs.
    let cacheSummaries =
        videos
        |> List.choose (fun v -> Option.ofObj v.CacheTrace)
        |> List.distinct
        |> List.map RhymeFlow.Cli.CacheOptions.summary

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

    let gifs, mp4s =
        timed "write" (fun () ->
            let result =
                writeClips
                    out
                    r.Caption
                    (videos |> List.map (fun v -> v.Seed, v.Clip))
                    ((videos @ (dense |> Option.defaultValue [])) |> List.map (fun v -> v.Clip))

            PlanPicture.Write(file "plan.png", videos.Head.Plan)
            result)

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

    let mp4Note = mp4Note mp4s

    let json =
        JsonSerializer.Serialize(
            {|
                caption = r.Caption
                model = r.Model |> Option.defaultValue "built-in (default package)"
                parameters = model.ParameterCount
                device = r.DeviceName
                dtype = r.DTypeName
                schedule = describe r.Schedule.Spec
                spec = JsonDocument.Parse(r.Schedule.ToJson()).RootElement
                reduction = describeReduction r.Reduction
                cache = RhymeFlow.Cli.CacheOptions.describe r.Cache
                cache_runs = Array.ofList cacheSummaries
                guidance = r.Guidance
                seeds = Array.ofList r.Seeds
                max_batch = r.MaxBatch
                phases =
                    phases.All
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
            jsonOptions
        )

    let md = Text.StringBuilder()
    let line (text: string) = md.AppendLine text |> ignore
    let modelName = r.Model |> Option.defaultValue "built-in (default package)"
    let seedList = r.Seeds |> List.map string |> String.concat ", "
    let keyframeList = plan.Keyframes |> Seq.map string |> String.concat ", "
    line $"# {r.Caption}"
    line ""
    line $"- model: {modelName} ({model.ParameterCount} parameters), {r.DeviceName}, {r.DTypeName}"
    line $"- schedule: {describe r.Schedule.Spec}; guidance {r.Guidance}; seeds {seedList}"

    if count > 1 && r.MaxBatch > 1 then
        line
            $"- batching: up to {r.MaxBatch} clips per denoising run, sharing its plan and keyframes; a clip's times are an equal share of its run's"

    line $"- token reduction: {describeReduction r.Reduction}"

    if r.Cache <> RhymeFlow.Cli.CacheOptions.NoCache then
        let runs = String.concat "; " cacheSummaries
        line $"- step cache: {RhymeFlow.Cli.CacheOptions.describe r.Cache}; {runs}"

    line $"- keyframes chosen: {keyframeList}"
    line $"- evaluations: {plan.Evaluations.Count} ({plan.FullCount} full, {plan.ActiveCount} keyframe-only)"

    speedup
    |> Option.iter (fun s -> line $"- speedup over dense (denoising wall time, same run): {s:F2}x")

    line $"- {mp4Note}"
    line ""
    timingsTable line phases.All
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

    for summary in cacheSummaries do
        printfn "step cache (%s): %s" (RhymeFlow.Cli.CacheOptions.describe r.Cache) summary

    if not quiet then
        printfn "%s" mp4Note

    ExitCode.Success
