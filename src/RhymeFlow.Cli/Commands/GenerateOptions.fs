/// `generate`'s options that both paths (the built-in model and a Wan pipeline folder) read the same way.
module RhymeFlow.Cli.Commands.GenerateOptions

open System
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.ReductionOptions

/// The schedule options, with `defaultShift` when --shift is not given (None keeps the schedule's).
let scheduleOptions (defaultShift: float option) (args: ParseResults<GenerateArgs>) =
    let name = args.GetResult(GenerateArgs.Schedule, defaultValue = "rhymeflow")

    if name.ToLowerInvariant() = "teacache" then
        usageError
            "--schedule teacache: TeaCache is a step cache on a dense schedule; give --schedule dense --cache teacache (and --cache-threshold X)."

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

/// The AsymRnR options; None when no reduction was asked for.
let reduction (args: ParseResults<GenerateArgs>) =
    let spec =
        reduction
            {
                NameOrFile = args.TryGetResult GenerateArgs.Reduction
                QueryRatio = args.TryGetResult GenerateArgs.Q_Ratio
                KeyValueRatio = args.TryGetResult GenerateArgs.Kv_Ratio
                FromStep = args.TryGetResult GenerateArgs.Reduce_From_Step
                FromBlock = args.TryGetResult GenerateArgs.Reduce_From_Block
                ReuseSteps = args.TryGetResult GenerateArgs.Reuse_Steps
                Stride = args.TryGetResult GenerateArgs.Stride
            }

    match spec.Policy with
    | NoReduction -> None
    | ByRule _
    | Profiled _ -> Some(TokenReductionSpec spec)

/// The step cache the command line asks for, checked against the schedule.
let cache (args: ParseResults<GenerateArgs>) (schedule: ScheduleSpec) =
    let choice =
        RhymeFlow.Cli.CacheOptions.choice
            (args.TryGetResult GenerateArgs.Cache)
            (args.TryGetResult GenerateArgs.Cache_Threshold)

    RhymeFlow.Cli.CacheOptions.checkSchedule
        choice
        (args.GetResult(GenerateArgs.Schedule, defaultValue = "rhymeflow"))
        schedule

    choice

/// The reduction checked against the model's blocks and the schedule's steps, so that a profile of another model is
/// bad usage before anything runs.
let checkReduction (reduction: TokenReductionSpec option) (blocks: int) (schedule: ScheduleSpec) =
    reduction
    |> Option.iter (fun r -> reductionSchedule r.Spec blocks (Spec.ladderSteps schedule.Spec) |> ignore)

/// "asymrnr rule Q 0.5 / KV 0.3 from step 20%, block 0, reuse 3, stride 2x2x2" and the like.
let describeReduction (reduction: TokenReductionSpec option) =
    match reduction with
    | None -> "none"
    | Some r ->
        let s = r.Spec

        let settings =
            $"reuse {s.ReuseSteps}, stride {s.Stride.AlongFrames}x{s.Stride.AlongRows}x{s.Stride.AlongColumns}"

        match s.Policy with
        | NoReduction -> "none"
        | ByRule rule ->
            $"asymrnr Q {rule.Ratios.QueryRatio:g} / KV {rule.Ratios.KeyValueRatio:g} from step {100.0 * rule.FromStepFraction:g}%%, block {rule.FromBlock}, {settings}"
        | Profiled(tiers, _) -> $"asymrnr profiled ({tiers.Levels} tiers), {settings}"

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
