/// `bench --family`: schedules against dense on a small random model of a family behind the model seam (by default
/// the default RhymeFlow schedule; `--schedules` adds its context storages, FoCa and AsymRnR), timed side by side in
/// one run, each with its measured speedup next to the cost model's prediction.
module RhymeFlow.Cli.Commands.BenchFamily

open System
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.Acceleration.AsymRnR
open RhymeFlow.Host.Benchmarking
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Models
open RhymeFlow.Cli
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

/// One timed run: its wall time, plan and the largest context it held.
type private Timed =
    {
        Seconds: float
        Plan: PlanView
        ContextBytes: int64
    }

/// A row of the table: its key, schedule and the AsymRnR reduction it adds, if any.
type private Row =
    {
        Key: string
        Schedule: ScheduleSpec
        Reduction: ReductionSpec option
    }

/// The rows `--schedules` takes for a family, in table order. The Wan benchmark's names where they mean the same
/// (hidden-host, asymrnr, rhymeflow+asymrnr); `hidden` is `--context hidden` (the Wan table's `authors`).
let rows =
    [
        "dense"
        "rhymeflow"
        "hidden"
        "hidden-host"
        "foca"
        "asymrnr"
        "rhymeflow+asymrnr"
    ]

/// The rows run when `--schedules` is not given.
let defaultRows = [ "dense"; "rhymeflow" ]

let private median (values: float list) =
    let sorted = List.sort values
    let n = sorted.Length

    if n % 2 = 1 then
        sorted[n / 2]
    else
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0

let run (args: ParseResults<BenchArgs>) (family: Families.Family) : int =
    rejectGiven
        (fun flag -> $"{flag} applies to the Wan loop benchmark only, not to --family {family.Preset}.")
        [
            "--geometry", args.Contains BenchArgs.Geometry
            "--model", args.Contains BenchArgs.Model
            "--cache", args.Contains BenchArgs.Cache
            "--plan-only", args.Contains BenchArgs.Plan_Only
            "--markdown", args.Contains BenchArgs.Markdown
        ]

    let seam = Families.seam "bench" family.Family

    let rowKeys =
        match args.TryGetResult BenchArgs.Schedules with
        | None -> defaultRows
        | Some text ->
            let keys =
                try
                    LoopBenchmarkSettings.ParseRows(text, "--schedules", rows) |> List.ofSeq
                with :? BenchmarkArgumentException as e ->
                    usageError e.Message

            // Every speedup is against dense, timed in the same run.
            if not (List.contains "dense" keys) then
                usageError $"--schedules must include dense (every speedup is measured against it), got '{text}'."

            keys

    let positive (flag: string) (value: int) =
        if value < 1 then
            usageError $"{flag} must be at least 1, got {value}."

        value

    let frames =
        args.GetResult(BenchArgs.Frames, defaultValue = 8) |> positive "--frames"

    let height =
        args.GetResult(BenchArgs.Height, defaultValue = 16) |> positive "--height"

    let width = args.GetResult(BenchArgs.Width, defaultValue = 16) |> positive "--width"

    let framesPerPlanFrame, patch = seam.SmallPatch

    if frames % framesPerPlanFrame <> 0 then
        usageError
            $"--frames: {family.Family} groups {framesPerPlanFrame} latent frames into each plan frame (a temporal token), so the count must be a multiple of {framesPerPlanFrame}, got {frames}."

    for flag, value in [ "--height", height; "--width", width ] do
        if value % patch <> 0 then
            usageError
                $"{flag}: {family.Family} patches the latent {patch} x {patch}, so it must be a multiple of {patch}, got {value}."

    let textLength =
        args.GetResult(BenchArgs.Text_Len, defaultValue = 16) |> positive "--text-len"

    let steps = args.GetResult(BenchArgs.Steps, defaultValue = 50) |> positive "--steps"

    let repeats =
        args.GetResult(BenchArgs.Repeats, defaultValue = 1) |> positive "--repeats"

    let seed = args.GetResult(BenchArgs.Seed, defaultValue = 0)
    let guidance = args.GetResult(BenchArgs.Guidance, defaultValue = seam.Guidance)

    let device, deviceName =
        RhymeFlow.Cli.Options.device (args.GetResult(BenchArgs.Device, defaultValue = BenchDevice.DefaultKind))

    let dtype =
        match args.TryGetResult BenchArgs.Dtype with
        | Some value -> RhymeFlow.Cli.Options.dtype value
        | None when deviceName = "cuda" -> torch.ScalarType.BFloat16
        | None -> torch.ScalarType.Float32

    let sampling =
        { family.Sampling with
            Steps = steps
            Shift = args.GetResult(BenchArgs.Shift, defaultValue = family.Sampling.Shift)
        }

    // The default schedule; the warm-up keeps its share of the steps (10 of 50) at other step counts.
    let rhymeFlowKnobs =
        { Spec.defaultRhymeFlow with
            WarmupSteps =
                args.GetResult(
                    BenchArgs.Warmup,
                    defaultValue = max 1 (int (Math.Round(float steps / 5.0, MidpointRounding.AwayFromZero)))
                )
            Budget = args.GetResult(BenchArgs.Keyframe_Count, defaultValue = Spec.defaultRhymeFlow.Budget)
        }

    let spec schedule =
        match
            Spec.validateFor
                frames
                {
                    Sampling = sampling
                    Schedule = schedule
                }
        with
        | Ok spec -> ScheduleSpec spec
        | Error e -> usageError $"{RhymeFlow.Cli.Options.flagOf e.Field}: {e.Message}"

    let withKnobs change = spec (RhymeFlow(change rhymeFlowKnobs))

    // The Wan benchmark's AsymRnR rows: Q 0.5 / KV 0.3, re-matched every 3 steps, 2x2x2 windows.
    let asymRnR = (TokenReductions.Rule(0.5, 0.3, reuseSteps = 3)).Spec

    let table =
        rowKeys
        |> List.map (fun key ->
            let schedule, reduction =
                match key with
                | "dense" -> spec Dense, None
                | "rhymeflow" -> withKnobs id, None
                | "hidden" ->
                    withKnobs (fun k ->
                        { k with
                            Context = LayerHidden Placement.Device
                        }),
                    None
                | "hidden-host" ->
                    withKnobs (fun k ->
                        { k with
                            Context = LayerHidden Placement.Host
                        }),
                    None
                | "foca" -> withKnobs (fun k -> { k with Projection = FoCa false }), None
                | "asymrnr" -> spec Dense, Some asymRnR
                | _ -> withKnobs id, Some asymRnR

            {
                Key = key
                Schedule = schedule
                Reduction = reduction
            })

    let model = seam.Small dtype device
    let modelModule = model :?> torch.nn.Module
    use _ = modelModule
    RandomWeights.Fill(modelModule, int64 seed)
    let traits = model.Traits

    use generator = new torch.Generator(uint64 seed, device)

    use noise =
        torch.randn (
            [| 1L; int64 traits.LatentChannels; int64 frames; int64 height; int64 width |],
            dtype = torch.ScalarType.Float32,
            device = device,
            generator = generator
        )

    use text =
        torch.randn (
            [| 1L; int64 textLength; int64 traits.TextDim |],
            dtype = torch.ScalarType.Float32,
            device = device,
            generator = generator
        )

    use mask =
        seam.PooledDim
        |> Option.map (fun _ ->
            torch.ones ([| 1L; int64 textLength |], dtype = torch.ScalarType.Float32, device = device))
        |> Option.toObj

    use pooled =
        seam.PooledDim
        |> Option.map (fun dim ->
            torch.randn ([| 1L; int64 dim |], dtype = torch.ScalarType.Float32, device = device, generator = generator))
        |> Option.toObj

    let request (schedule: ScheduleSpec) (reduction: AttentionReduction) =
        DenoiseRequest(
            text,
            noise,
            schedule,
            guidance,
            Reduction = reduction,
            PromptAttentionMask = mask,
            PooledPromptEmbeddings = pooled
        )

    let attentionReduction (row: Row) =
        match row.Reduction with
        | Some reduction -> AttentionReduction.Compile(TokenReductionSpec reduction, traits.BlockCount, row.Schedule)
        | None -> null

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation

    let timed (schedule: ScheduleSpec) (reduction: AttentionReduction) =
        use result =
            VideoDenoiser(model)
                .GenerateAsync(request schedule reduction, null, cancellation.Token)
                .GetAwaiter()
                .GetResult()

        {
            Seconds = result.Elapsed.TotalSeconds
            Plan = result.Plan
            ContextBytes = result.ContextBytes
        }

    let parameters = modelModule.parameters () |> Seq.sumBy (fun p -> p.numel ())

    let layout = model.FrameLayout(height, width)

    printfn
        "model      %s (small, random weights): %d blocks with self-attention, %.1fM parameters, %s on %s"
        traits.Family
        traits.BlockCount
        (float parameters / 1e6)
        (string dtype)
        deviceName

    printfn
        "clip       %d latent frames of %d x %d (%d tokens each), %d text tokens, %d steps, guidance %g"
        frames
        height
        width
        layout.TokensPerFrame
        textLength
        steps
        guidance

    // Untimed: the first run of each pays for allocation and kernel selection.
    timed
        (ScheduleSpec
            { (spec Dense).Spec with
                Sampling = { sampling with Steps = 2 }
            })
        null
    |> ignore

    // Round r starts r - 1 rows later in the table: with two rows the order alternates, with more each row
    // takes every position in turn.
    let rounds =
        [
            for round in 1..repeats do
                let shift = (round - 1) % table.Length
                let order = List.skip shift table @ List.take shift table

                for row in order do
                    let t = timed row.Schedule (attentionReduction row)
                    eprintfn "round %d: %-17s %.2f s" round row.Key t.Seconds
                    row.Key, t
        ]

    let runs (row: Row) =
        rounds |> List.filter (fst >> (=) row.Key) |> List.map snd

    let medianSeconds row =
        runs row |> List.map (fun t -> t.Seconds) |> median

    let denseSeconds =
        table |> List.find (fun row -> row.Key = "dense") |> medianSeconds

    let geometry =
        model.CostGeometry(frames / layout.LatentFramesPerFrame, height, width, textLength, 1)

    // The cost model with the row's context (a hidden-state context recomputes the non-keyframes' K/V) and, for
    // the AsymRnR rows, its reduced attention, text tokens counted as the family's attention takes them.
    let predicted (row: Row) (plan: PlanView) =
        match row.Reduction with
        | None -> Cost.ofPlanWith family.Text geometry plan.Plan
        | Some reduction ->
            match Reduction.compile traits.BlockCount (Spec.ladderSteps row.Schedule.Spec) reduction with
            | Ok reduced -> ReductionCost.ofPlanWith family.Text geometry plan.Plan reduced
            | Error e -> Error e
        |> function
            | Ok cost -> cost.Speedup
            | Error e -> failwith e.Message

    let mib (bytes: int64) = float bytes / (1024.0 * 1024.0)

    printfn ""

    printfn
        "%-17s %12s %6s %14s %10s %9s %10s %12s"
        "schedule"
        "evaluations"
        "full"
        "keyframe-only"
        "median s"
        "measured"
        "predicted"
        "context MiB"

    let results =
        table
        |> List.map (fun row ->
            let rowRuns = runs row
            let plan = (List.head rowRuns).Plan
            let seconds = medianSeconds row
            let measured = denseSeconds / seconds
            let prediction = predicted row plan
            let context = rowRuns |> List.map (fun t -> t.ContextBytes) |> List.max

            printfn
                "%-17s %12d %6d %14d %10.2f %8.2fx %9.2fx %12.3f"
                row.Key
                plan.Evaluations.Count
                plan.FullCount
                plan.ActiveCount
                seconds
                measured
                prediction
                (mib context)

            row.Key, (measured, prediction, plan))

    printfn ""

    // The default schedule's line, as before, when its row ran.
    results
    |> List.tryFind (fst >> (=) "rhymeflow")
    |> Option.iter (fun (_, (measured, predicted, plan)) ->
        printfn
            "speedup    measured %.2fx, predicted %.2fx (cost model), measured / predicted %.2f (%d round%s, keyframes %s)"
            measured
            predicted
            (measured / predicted)
            repeats
            (if repeats = 1 then "" else "s")
            (plan.Keyframes |> Seq.map string |> String.concat ", "))

    printfn
        "context    the largest context a run held: K/V (rhymeflow) or hidden states (hidden on the device, hidden-host in host memory)"

    ExitCode.Success
