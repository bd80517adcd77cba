/// `generate`'s options that both paths (the built-in model and a Wan pipeline folder) read the same way.
module RhymeFlow.Cli.Commands.GenerateOptions

open System
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options

/// The schedule options, with `defaultShift` when --shift is not given (None keeps the schedule's).
let scheduleOptions (defaultShift: float option) (args: ParseResults<GenerateArgs>) =
    let name = args.GetResult(GenerateArgs.Schedule, defaultValue = "rhymeflow")

    if name.ToLowerInvariant() = "teacache" then
        usageError
            "--schedule teacache is not implemented yet; use dense, rhymeflow, fewer-steps (with --fewer N) or a schedule JSON file."

    let steps = args.TryGetResult GenerateArgs.Steps

    {
        NameOrFile = name
        Solver = args.TryGetResult GenerateArgs.Solver
        Shift =
            match args.TryGetResult GenerateArgs.Shift with
            | Some shift -> Some shift
            | None -> defaultShift
        Steps = steps
        Fewer = args.TryGetResult GenerateArgs.Fewer
        Warmup = args.TryGetResult GenerateArgs.Warmup
        KeyframeCount = args.TryGetResult GenerateArgs.Keyframe_Count
        MinSkip = args.TryGetResult GenerateArgs.Min_Skip
        MaxSkip = args.TryGetResult GenerateArgs.Max_Skip
        Projection = args.TryGetResult GenerateArgs.Projection
        Context = args.TryGetResult GenerateArgs.Context
        Strategy = args.TryGetResult GenerateArgs.Strategy
    }

let describe (spec: Spec) =
    match spec.Schedule with
    | Dense -> $"dense, {spec.Sampling.Steps} steps"
    | FewerSteps steps -> $"fewer-steps, {steps} of {spec.Sampling.Steps} steps"
    | RhymeFlow knobs ->
        $"rhymeflow, {spec.Sampling.Steps} steps, warm-up {knobs.WarmupSteps}, {knobs.Budget} keyframes"

let guidance (args: ParseResults<GenerateArgs>) =
    let guidance = args.GetResult(GenerateArgs.Guidance, defaultValue = 5.0)

    if not (Double.IsFinite guidance) || guidance < 1.0 then
        usageError $"--guidance must be at least 1 (1 disables guidance), got {guidance}."

    guidance

let seed (args: ParseResults<GenerateArgs>) =
    int64 (args.GetResult(GenerateArgs.Seed, defaultValue = 0))

/// The device and its name; --device cuda without a CUDA device is bad usage.
let device (args: ParseResults<GenerateArgs>) =
    RhymeFlow.Cli.Options.device (args.GetResult(GenerateArgs.Device, defaultValue = "cpu"))

/// The compute dtype and its name as given.
let dtype (args: ParseResults<GenerateArgs>) =
    let dtypeName = args.GetResult(GenerateArgs.Dtype, defaultValue = "float32")
    RhymeFlow.Cli.Options.dtype dtypeName, dtypeName

/// Bad usage when any of the given flags was used: it does not apply to `what`.
let reject (what: string) (flags: (string * bool) list) =
    match flags |> List.tryFind snd with
    | Some(flag, _) -> usageError $"{flag} does not apply to {what}."
    | None -> ()
