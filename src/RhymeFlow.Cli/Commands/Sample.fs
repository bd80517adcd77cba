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
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure

let private modelPaths (args: ParseResults<SampleArgs>) =
    match
        args.TryGetResult SampleArgs.Model, args.TryGetResult SampleArgs.Config, args.TryGetResult SampleArgs.Weights
    with
    | Some dir, None, None ->
        let dir = requireFile "--model" dir
        let config = Path.Combine(dir, "config.json")

        if not (File.Exists config) then
            usageError $"--model: {dir} has no config.json."

        config, dir
    | None, Some config, Some weights -> requireFile "--config" config, requireFile "--weights" weights
    | _ -> usageError "give either --model DIR, or both --config and --weights."

let private readTensor (file: string, name: string) =
    use source = SafetensorsFile.Open file

    if not (source.Contains name) then
        let held = String.Join(", ", source.Keys)
        usageError $"{file} has no tensor '{name}' (it holds {held})."

    source.Read name

let run (args: ParseResults<SampleArgs>) : int =
    let configPath, weightsPath = modelPaths args

    let prompt =
        args.GetResult SampleArgs.Prompt_Embeds
        |> RhymeFlow.Cli.Options.tensorReference "--prompt-embeds"

    let negative =
        args.TryGetResult SampleArgs.Negative_Embeds
        |> Option.map (RhymeFlow.Cli.Options.tensorReference "--negative-embeds")

    let noise =
        args.GetResult SampleArgs.Init_Noise
        |> RhymeFlow.Cli.Options.tensorReference "--init-noise"

    let schedule =
        RhymeFlow.Cli.Options.schedule
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

    let guidance = args.GetResult(SampleArgs.Guidance, defaultValue = 5.0)

    let keyframes =
        args.TryGetResult SampleArgs.Keyframes
        |> Option.map RhymeFlow.Cli.Options.keyframes

    let out = args.GetResult SampleArgs.Out

    let dtype =
        RhymeFlow.Cli.Options.dtype (args.GetResult(SampleArgs.Dtype, defaultValue = "float32"))

    let device, _ =
        RhymeFlow.Cli.Options.device (args.GetResult(SampleArgs.Device, defaultValue = "cpu"))

    use model = WanTransformer.Create(WanConfig.FromJson configPath, dtype, device)
    model.LoadWeights weightsPath |> ignore
    use promptEmbeddings = readTensor prompt
    use initialNoise = readTensor noise
    let negativeEmbeddings = negative |> Option.map readTensor |> Option.toObj

    try
        let request =
            DenoiseRequest(
                promptEmbeddings,
                initialNoise,
                schedule,
                guidance,
                negativeEmbeddings,
                (keyframes |> Option.map (fun k -> k :> IReadOnlyList<int>) |> Option.toObj)
            )

        use cancellation = new CancellationTokenSource()

        Console.CancelKeyPress.Add(fun e ->
            e.Cancel <- true
            cancellation.Cancel())

        let mode = DenoiseProgress.mode (args.Contains SampleArgs.Quiet)

        use result =
            DenoiseProgress.run mode "" (Spec.ladderSteps schedule.Spec) (fun progress ->
                VideoDenoiser(model).GenerateAsync(request, progress, cancellation.Token))

        use latents = result.Latents.cpu ()
        SafetensorsWriter.Write(out, readOnlyDict [ "latents", latents ])

        printfn
            "wrote %s: %d evaluations (%d full, %d keyframe-only) in %.1f s"
            out
            result.Plan.Evaluations.Count
            result.Plan.FullCount
            result.Plan.ActiveCount
            result.Elapsed.TotalSeconds

        ExitCode.Success
    finally
        if not (isNull negativeEmbeddings) then
            negativeEmbeddings.Dispose()
