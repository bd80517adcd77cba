/// `generate` with the built-in model: the command line checked and turned into a request before any model is loaded.
module RhymeFlow.Cli.Commands.GenerateBuiltInRequest

open System
open System.IO
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Acceleration.StepCaching
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.Commands.GenerateOptions
open RhymeFlow.Cli.Commands.GenerateOutputs

/// Everything the command line asks for, checked before any model is loaded.
type internal Request =
    {
        Caption: string
        Schedule: ScheduleSpec
        Reduction: TokenReductionSpec option
        Cache: RhymeFlow.Cli.CacheOptions.CacheChoice
        Compare: ScheduleSpec option
        Guidance: float
        Seeds: int64 list
        /// The most clips denoised in one run.
        MaxBatch: int
        Device: torch.Device
        DeviceName: string
        DType: torch.ScalarType
        DTypeName: string
        Model: string option
        Out: string
    }

let internal request (args: ParseResults<GenerateArgs>) =
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
            "--prompt-embeds is not supported yet; for a real Wan checkpoint give its pipeline folder (diffusers layout, with model_index.json) as --model and a prompt, or use `rhymeflow sample` for latents from embeddings."

    reject
        "the built-in model; it needs a Wan 2.1 pipeline folder (with model_index.json) as --model"
        [
            "--negative", args.Contains GenerateArgs.Negative
            "--frames", args.Contains GenerateArgs.Frames
            "--height", args.Contains GenerateArgs.Height
            "--width", args.Contains GenerateArgs.Width
        ]

    // The built-in model's card samples at 30 steps; a named schedule without --steps takes that, a file keeps its own.
    let options = scheduleOptions None args

    let options =
        match options.Steps, options.NameOrFile.ToLowerInvariant() with
        | None, ("dense" | "rhymeflow" | "fewer-steps") ->
            { options with
                Steps = Some MiniVideoGenerator.DefaultSteps
            }
        | _ -> options

    let schedule = schedule options

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

    let guidance = guidance args
    let batch = args.GetResult(GenerateArgs.Batch, defaultValue = 1)

    if batch < 1 then
        usageError $"--batch must be at least 1, got {batch}."

    let maxBatch =
        args.GetResult(GenerateArgs.Max_Batch, defaultValue = MiniVideoGenerator.DefaultMaxBatch)

    if maxBatch < 1 then
        usageError $"--max-batch must be at least 1, got {maxBatch}."

    let seed = seed args
    let device, deviceName = device args
    let dtype, dtypeName = dtype args

    let model =
        args.TryGetResult GenerateArgs.Model
        |> Option.map (fun dir ->
            if not (Directory.Exists dir) then
                usageError $"--model: no such folder: {dir}"

            dir)

    {
        Caption = caption
        Schedule = schedule
        Reduction = reduction args
        Cache = cache args schedule
        Compare = compare
        Guidance = guidance
        Seeds = List.init batch (fun i -> seed + int64 i)
        MaxBatch = maxBatch
        Device = device
        DeviceName = deviceName
        DType = dtype
        DTypeName = dtypeName
        Model = model
        Out = args.GetResult(GenerateArgs.Out, defaultValue = Path.Combine("out", slug caption))
    }

/// The checks that need the model, for every path that runs the request: the reduction against its blocks and the
/// schedule's steps, TeaCache against its calibration. The host's step cache (null without --cache).
let internal modelChecked (r: Request) (model: MiniModel) =
    checkReduction r.Reduction model.Transformer.Config.NumLayers r.Schedule

    RhymeFlow.Cli.CacheOptions.stepCache r.Cache (fun () ->
        match model.TeaCacheCoefficients with
        | null ->
            usageError
                $"--cache teacache needs the model's TeaCache calibration ({TeaCacheCalibrationFile.FileName} in its package folder); make it with `dotnet run --project tools/RhymeFlow.Train -c Release -- calibrate-teacache --model DIR`."
        | coefficients -> coefficients)
