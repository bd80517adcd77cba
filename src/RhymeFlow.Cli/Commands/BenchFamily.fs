/// `bench --family`: the default RhymeFlow schedule against dense on a small random model of a family behind the
/// model seam, both timed side by side in one run, with the measured speedup next to the cost model's prediction.
module RhymeFlow.Cli.Commands.BenchFamily

open System
open System.Threading
open Argu
open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.Benchmarking
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Models
open RhymeFlow.Cli
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

/// One timed run: its wall time and plan.
type private Timed = { Seconds: float; Plan: PlanView }

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
            "--schedules", args.Contains BenchArgs.Schedules
            "--cache", args.Contains BenchArgs.Cache
            "--plan-only", args.Contains BenchArgs.Plan_Only
            "--markdown", args.Contains BenchArgs.Markdown
        ]

    let seam = Families.seam "bench" family.Family

    let positive (flag: string) (value: int) =
        if value < 1 then
            usageError $"{flag} must be at least 1, got {value}."

        value

    let frames =
        args.GetResult(BenchArgs.Frames, defaultValue = 8) |> positive "--frames"

    let height =
        args.GetResult(BenchArgs.Height, defaultValue = 16) |> positive "--height"

    let width = args.GetResult(BenchArgs.Width, defaultValue = 16) |> positive "--width"

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

    let dense = spec Dense
    let rhymeFlow = spec (RhymeFlow rhymeFlowKnobs)

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

    let request (schedule: ScheduleSpec) =
        DenoiseRequest(text, noise, schedule, guidance, PromptAttentionMask = mask, PooledPromptEmbeddings = pooled)

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation

    let timed (schedule: ScheduleSpec) =
        use result =
            VideoDenoiser(model).GenerateAsync(request schedule, null, cancellation.Token).GetAwaiter().GetResult()

        {
            Seconds = result.Elapsed.TotalSeconds
            Plan = result.Plan
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
    timed (
        ScheduleSpec
            { dense.Spec with
                Sampling = { sampling with Steps = 2 }
            }
    )
    |> ignore

    let rounds =
        [
            for round in 1..repeats do
                let order =
                    if round % 2 = 1 then
                        [ "dense", dense; "rhymeflow", rhymeFlow ]
                    else
                        [ "rhymeflow", rhymeFlow; "dense", dense ]

                for name, schedule in order do
                    let t = timed schedule
                    eprintfn "round %d: %-9s %.2f s" round name t.Seconds
                    name, t
        ]

    let runs name =
        rounds |> List.filter (fst >> (=) name) |> List.map snd

    let denseSeconds = runs "dense" |> List.map (fun t -> t.Seconds) |> median
    let rhymeFlowRuns = runs "rhymeflow"
    let rhymeFlowSeconds = rhymeFlowRuns |> List.map (fun t -> t.Seconds) |> median
    let plan = (List.head rhymeFlowRuns).Plan

    let geometry =
        model.CostGeometry(frames / layout.LatentFramesPerFrame, height, width, textLength, 1)

    let predicted =
        match Cost.ofPlanWith family.Text geometry plan.Plan with
        | Ok cost -> cost.Speedup
        | Error e -> failwith e.Message

    let measured = denseSeconds / rhymeFlowSeconds
    printfn ""
    printfn "%-10s %12s %6s %14s %12s" "schedule" "evaluations" "full" "keyframe-only" "median s"
    printfn "%-10s %12d %6d %14d %12.2f" "dense" steps steps 0 denseSeconds

    printfn
        "%-10s %12d %6d %14d %12.2f"
        "rhymeflow"
        plan.Evaluations.Count
        plan.FullCount
        plan.ActiveCount
        rhymeFlowSeconds

    printfn ""

    printfn
        "speedup    measured %.2fx, predicted %.2fx (cost model), measured / predicted %.2f (%d round%s, keyframes %s)"
        measured
        predicted
        (measured / predicted)
        repeats
        (if repeats = 1 then "" else "s")
        (plan.Keyframes |> Seq.map string |> String.concat ", ")

    ExitCode.Success
