/// Turning option values into domain values at the edge, with errors that name the option.
module RhymeFlow.Cli.Options

open System
open System.IO
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Cli.Failure

/// FILE:TENSOR, split at the last colon.
let tensorReference (option: string) (value: string) =
    let colon = value.LastIndexOf ':'

    if colon <= 0 || colon = value.Length - 1 then
        usageError $"{option}: expected FILE.safetensors:TENSOR, got '{value}'."

    let file = value.Substring(0, colon)
    requireFile option file |> ignore
    file, value.Substring(colon + 1)

let solver (value: string) =
    match value.ToLowerInvariant() with
    | "euler" -> Solver.Euler
    | "unipc" -> Solver.UniPC
    | other -> usageError $"--solver: '{other}' is not a solver; expected euler or unipc."

let keyframes (value: string) =
    value.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
    |> Array.map (fun item ->
        match Int32.TryParse item with
        | true, frame -> frame
        | _ -> usageError $"--keyframes: '{item}' is not a frame index; expected e.g. 0,10,20.")

/// One of a fixed set of names, case-insensitively; the error names the flag and the allowed values.
let choice (option: string) (allowed: (string * 'T) list) (value: string) =
    match allowed |> List.tryFind (fun (name, _) -> name = value.ToLowerInvariant()) with
    | Some(_, chosen) -> chosen
    | None ->
        let names = allowed |> List.map fst |> String.concat ", "
        usageError $"{option}: '{value}' is not allowed; expected one of {names}."

/// The compute dtype named by --dtype.
let dtype (value: string) =
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
        value

/// The device named by --device and its name; --device cuda without a CUDA device is bad usage.
let device (value: string) =
    let deviceName = choice "--device" [ "cpu", "cpu"; "cuda", "cuda" ] value

    if deviceName = "cuda" && not (torch.cuda.is_available ()) then
        usageError "--device cuda, but TorchSharp sees no CUDA device."

    // torch.CUDA initialises the CUDA backend when read, so it is read only when asked for.
    (if deviceName = "cuda" then torch.CUDA else torch.CPU), deviceName

let projection (value: string) =
    choice
        "--projection"
        [
            "linear-sigma", LinearSigma
            "linear-timestep", LinearTimestep
            "foca", FoCa false
            "frozen", Frozen
        ]
        value

let context (value: string) =
    choice
        "--context"
        [
            "kv", LayerKv
            "hidden", LayerHidden Device
            "hidden-host", LayerHidden Host
            "projected", ProjectedLatents
            "keyframes-only", KeyframesOnly
        ]
        value

/// The strategy names; parameters a name does not carry (threshold, seed, spacing) are kept from
/// the schedule's own strategy when it is of the same kind, else the defaults.
let strategy (value: string) (current: KeyframeStrategy) =
    let pick =
        choice "--strategy" [ "semantic", 0; "uniform", 1; "random", 2; "first", 3; "spread", 4 ] value

    match pick, current with
    | 0, (Semantic _ as kept)
    | 2, (KeyframeStrategy.Random _ as kept)
    | 4, (Spread _ as kept) -> kept
    | 0, _ -> Semantic 0.98
    | 1, _ -> Uniform
    | 2, _ -> KeyframeStrategy.Random 0UL
    | 3, _ -> FirstM
    | _ -> Spread 1

/// Everything a verb's command line says about the schedule, before it is turned into a spec.
type ScheduleOptions =
    {
        NameOrFile: string
        Solver: string option
        Shift: float option
        Steps: int option
        Fewer: int option
        Warmup: int option
        KeyframeCount: int option
        MinSkip: int option
        MaxSkip: int option
        Projection: string option
        Context: string option
        Strategy: string option
    }

/// The flag behind a validation error's field, so that messages name what the user typed.
let flagOf (field: string) =
    match field with
    | "steps" -> "--steps"
    | "shift" -> "--shift"
    | "spacing" -> "--solver"
    | "fewerSteps" -> "--fewer"
    | "warmupSteps" -> "--warmup"
    | "budget" -> "--keyframe-count"
    | "skip.k"
    | "skip.min" -> "--min-skip"
    | "skip.max" -> "--max-skip"
    | "frames" -> "--frames"
    | f when f.StartsWith "keyframes" -> "--keyframes"
    | _ -> "--schedule"

let private failWith (error: ValidationError) =
    usageError $"{flagOf error.Field}: {error.Message}"

let private skip (current: SkipSchedule) (minSkip: int option) (maxSkip: int option) =
    match current, minSkip, maxSkip with
    | _, None, None -> current
    | Progressive p, low, high ->
        Progressive
            { p with
                Min = defaultArg low p.Min
                Max = defaultArg high p.Max
            }
    | Fixed k, low, high ->
        let low, high = defaultArg low k, defaultArg high k

        if low = high then
            Fixed low
        else
            match Skip.defaultSchedule with
            | Progressive p -> Progressive { p with Min = low; Max = high }
            | Fixed _ -> Fixed low

/// The warm-up when --warmup is not given: the rhymeflow default (10) is for 50 steps, so --steps alone keeps the
/// same fraction (steps / 5, at least 1), for every verb; a schedule file keeps its own.
let defaultWarmup (options: ScheduleOptions) (spec: RhymeFlowSpec) =
    match options.Steps with
    | Some steps when options.NameOrFile.ToLowerInvariant() = "rhymeflow" ->
        max 1 (int (Math.Round(float steps / 5.0, MidpointRounding.AwayFromZero)))
    | _ -> spec.WarmupSteps

let private rhymeFlowKnobs (options: ScheduleOptions) (spec: RhymeFlowSpec) =
    {
        WarmupSteps = options.Warmup |> Option.defaultWith (fun () -> defaultWarmup options spec)
        Budget = defaultArg options.KeyframeCount spec.Budget
        Strategy =
            options.Strategy
            |> Option.map (fun s -> strategy s spec.Strategy)
            |> Option.defaultValue spec.Strategy
        Skip = skip spec.Skip options.MinSkip options.MaxSkip
        Projection =
            match options.Projection, spec.Projection with
            | Some "foca", (FoCa _ as kept) -> kept
            | Some value, _ -> projection value
            | None, kept -> kept
        Context = options.Context |> Option.map context |> Option.defaultValue spec.Context
        Coupling = spec.Coupling
    }

let private rejectKnobs (options: ScheduleOptions) (what: string) =
    let given =
        [
            "--warmup", options.Warmup.IsSome
            "--keyframe-count", options.KeyframeCount.IsSome
            "--min-skip", options.MinSkip.IsSome
            "--max-skip", options.MaxSkip.IsSome
            "--projection", options.Projection.IsSome
            "--context", options.Context.IsSome
            "--strategy", options.Strategy.IsSome
        ]

    given
    |> rejectGiven (fun flag -> $"{flag} applies to the rhymeflow schedule only; --schedule {what} is not one.")

/// A named schedule on the sampler `defaults` (a family's pipeline sampler) or a JSON file with its own, with
/// sampling overrides and schedule knobs applied.
let scheduleOn (defaults: Sampling) (options: ScheduleOptions) =
    let nameOrFile = options.NameOrFile

    let spec =
        match nameOrFile.ToLowerInvariant() with
        | "dense" ->
            {
                Sampling = defaults
                Schedule = Dense
            }
        | "rhymeflow" ->
            {
                Sampling = defaults
                Schedule = RhymeFlow Spec.defaultRhymeFlow
            }
        | "fewer-steps" ->
            match options.Fewer with
            | Some steps ->
                {
                    Sampling = defaults
                    Schedule = FewerSteps steps
                }
            | None -> usageError "--schedule fewer-steps needs --fewer N, the number of steps to take."
        | _ when File.Exists nameOrFile ->
            match Json.readSpec (File.ReadAllText nameOrFile) with
            | Ok spec -> spec
            | Error e -> usageError $"--schedule {nameOrFile}: {e.Message}"
        | _ ->
            usageError $"--schedule: '{nameOrFile}' is neither dense, rhymeflow, fewer-steps nor an existing JSON file."

    let scheduleWithKnobs =
        match spec.Schedule, options.Fewer with
        | FewerSteps steps, fewer -> FewerSteps(defaultArg fewer steps)
        | _, Some _ ->
            usageError $"--fewer applies to the fewer-steps schedule only; --schedule {nameOrFile} is not one."
        | RhymeFlow knobs, None -> RhymeFlow(rhymeFlowKnobs options knobs)
        | Dense, None -> Dense

    match scheduleWithKnobs with
    | RhymeFlow _ -> ()
    | _ -> rejectKnobs options nameOrFile

    let sampling =
        { spec.Sampling with
            Solver = options.Solver |> Option.map solver |> Option.defaultValue spec.Sampling.Solver
            Shift = defaultArg options.Shift spec.Sampling.Shift
            Steps = defaultArg options.Steps spec.Sampling.Steps
        }

    match
        Spec.validate
            {
                Sampling = sampling
                Schedule = scheduleWithKnobs
            }
    with
    | Ok spec -> ScheduleSpec spec
    | Error e -> failWith e

/// A named schedule on Wan's sampler, or a JSON file, with overrides and knobs applied.
let schedule (options: ScheduleOptions) = scheduleOn Spec.defaultSampling options

/// The spec prepared for a clip of `frames` frames; errors name --frames or --keyframe-count.
let prepare (spec: ScheduleSpec) (frames: int) =
    match Plan.prepare spec.Spec frames with
    | Ok prepared -> prepared
    | Error e -> failWith e

/// The plan with the given keyframes, or the data-free preview set.
let compile (prepared: Prepared) (keyframes: int[] option) =
    match keyframes with
    | None -> Plan.preview prepared
    | Some indices ->
        match
            KeyframeSet.create prepared.Frames (List.ofArray indices)
            |> Result.bind (Plan.complete prepared)
        with
        | Ok plan -> plan
        | Error e -> failWith e

/// Writes text so that readers see the old file or the whole new one: a temporary file, then a rename.
let writeAtomically (path: string) (text: string) =
    let full = Path.GetFullPath path
    let directory = Path.GetDirectoryName full
    Directory.CreateDirectory directory |> ignore

    let temporary =
        Path.Combine(directory, $".{Path.GetFileName full}.{Guid.NewGuid():N}.tmp")

    try
        File.WriteAllText(temporary, text)
        File.Move(temporary, full, true)
    with _ ->
        File.Delete temporary
        reraise ()
