/// `plan`: a schedule's plan for a clip, its evaluation counts and its predicted cost, without a model.
module RhymeFlow.Cli.Commands.Plan

open Argu
open RhymeFlow.Core
open RhymeFlow.Host.Media
open RhymeFlow.Cli
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options
open RhymeFlow.Cli.ReductionOptions

let private geometries =
    [
        "wan2.1-1.3b@480p", Cost.wan13B480p
        "wan2.1-1.3b@720p", Cost.wan13B720p
        "wan2.1-14b@480p", Cost.wan14B480p
        "wan2.1-14b@720p", Cost.wan14B720p
        "mini", Cost.mini
    ]

let private scheduleOptions (args: ParseResults<PlanArgs>) =
    {
        NameOrFile = args.GetResult(PlanArgs.Schedule, defaultValue = "rhymeflow")
        Solver = args.TryGetResult PlanArgs.Solver
        Shift = args.TryGetResult PlanArgs.Shift
        Steps = args.TryGetResult PlanArgs.Steps
        Fewer = args.TryGetResult PlanArgs.Fewer
        Warmup = args.TryGetResult PlanArgs.Warmup
        KeyframeCount = args.TryGetResult PlanArgs.Keyframe_Count
        MinSkip = args.TryGetResult PlanArgs.Min_Skip
        MaxSkip = args.TryGetResult PlanArgs.Max_Skip
        Projection = args.TryGetResult PlanArgs.Projection
        Context = args.TryGetResult PlanArgs.Context
        Strategy = args.TryGetResult PlanArgs.Strategy
    }

let private reductionOptions (args: ParseResults<PlanArgs>) =
    {
        NameOrFile = args.TryGetResult PlanArgs.Reduction
        QueryRatio = args.TryGetResult PlanArgs.Q_Ratio
        KeyValueRatio = args.TryGetResult PlanArgs.Kv_Ratio
        FromStep = args.TryGetResult PlanArgs.Reduce_From_Step
        FromBlock = args.TryGetResult PlanArgs.Reduce_From_Block
        ReuseSteps = args.TryGetResult PlanArgs.Reuse_Steps
        Stride = args.TryGetResult PlanArgs.Stride
    }

/// 1.23e15 as "1.23 PFLOP" and so on.
let private flops (value: float) =
    let units = [ 1e15, "PFLOP"; 1e12, "TFLOP"; 1e9, "GFLOP"; 1e6, "MFLOP" ]

    match units |> List.tryFind (fun (scale, _) -> value >= scale) with
    | Some(scale, unit) -> $"%.2f{value / scale} {unit}"
    | None -> $"%.0f{value} FLOP"

let private bytes (value: float) =
    let units = [ 1024.0 ** 3.0, "GiB"; 1024.0 ** 2.0, "MiB"; 1024.0, "KiB" ]

    match units |> List.tryFind (fun (scale, _) -> value >= scale) with
    | Some(scale, unit) -> $"%.2f{value / scale} {unit}"
    | None -> $"%.0f{value} B"

let private describe (spec: Spec) =
    let solver =
        match spec.Sampling.Solver with
        | Euler -> "euler"
        | UniPC -> "unipc"
        | Ddim -> "ddim"

    let schedule =
        match spec.Schedule with
        | Dense -> "dense"
        | FewerSteps steps -> $"fewer-steps ({steps} of {spec.Sampling.Steps})"
        | RhymeFlow knobs -> $"rhymeflow (warm-up {knobs.WarmupSteps}, {knobs.Budget} keyframes)"

    let spacing =
        match spec.Sampling.Spacing with
        | SolverDefault -> ""
        | Linspace -> " (linspace ladder)"

    $"{schedule}, {solver} shift {spec.Sampling.Shift:g} on {spec.Sampling.Steps} steps{spacing}"

let run (args: ParseResults<PlanArgs>) : int =
    let geometryName =
        args.GetResult(PlanArgs.Geometry, defaultValue = "wan2.1-1.3b@480p")

    let geometry =
        choice "--geometry" (geometries @ (Families.all |> List.map (fun f -> f.Preset, f.Geometry))) geometryName

    // A family's geometry runs on its pipeline's sampler and counts its text in every attention.
    let family =
        Families.all
        |> List.tryFind (fun f -> f.Preset = geometryName.ToLowerInvariant())

    let spec =
        scheduleOn
            (family
             |> Option.map (fun f -> f.Sampling)
             |> Option.defaultValue Spec.defaultSampling)
            (scheduleOptions args)

    let frames = args.GetResult(PlanArgs.Frames, defaultValue = geometry.Frames)
    let geometry = { geometry with Frames = frames }

    let keyframes =
        args.TryGetResult PlanArgs.Keyframes
        |> Option.map RhymeFlow.Cli.Options.keyframes

    let plan = compile (prepare spec frames) keyframes |> PlanView
    let reductionSpec = reduction (reductionOptions args)

    let reduced =
        reductionSchedule reductionSpec geometry.Layers (Spec.ladderSteps spec.Spec)

    let cost =
        // A joint-attention family keeps its text tokens in every attention, unreduced: the core counts them.
        match family with
        | Some f -> ReductionCost.ofPlanWith f.Text geometry plan.Plan reduced
        | None -> ReductionCost.ofPlan geometry plan.Plan reduced
        |> function
            | Ok cost -> cost
            | Error e -> usageError $"--geometry: {e.Message}"

    printfn "%s" (plan.Render().TrimEnd())
    printfn ""
    printfn "schedule     %s" (describe spec.Spec)

    printfn
        "keyframes    %s%s"
        (plan.Keyframes |> Seq.map string |> String.concat ", ")
        (if keyframes.IsNone && plan.Keyframes.Count > 0 then
             " (a preview set; the run selects them from the clip)"
         else
             "")

    printfn "evaluations  %d: %d full, %d keyframe-only" plan.Evaluations.Count plan.FullCount plan.ActiveCount

    printfn
        "predicted    on %s (%d frames x %d tokens, %d layers, dim %d):"
        geometryName
        geometry.Frames
        geometry.TokensPerFrame
        geometry.Layers
        geometry.Dim

    if not (Reduction.isIdentity reduced) then
        let fractions =
            [
                for step in 0 .. reduced.Steps - 1 do
                    for block in 0 .. reduced.Blocks - 1 ->
                        ReductionCost.attentionFraction (Reduction.at reduced step block)
            ]

        let tokens =
            match family with
            | Some f when f.Text = JointAttention -> "video-token self-attention scores (text tokens never reduced)"
            | _ -> "self-attention scores"

        printfn
            "  asymrnr    %.0f%% of %s kept on average, matching every %d steps (counted)"
            (100.0 * List.average fractions)
            tokens
            reductionSpec.ReuseSteps

    printfn "  compute    %s (dense %s)" (flops cost.Flops) (flops cost.DenseFlops)
    printfn "  speedup    %.2fx over dense" cost.Speedup

    // The paper's figure is for the schedule alone; next to a token reduction the ratio would mislead.
    family
    |> Option.filter (fun _ -> Reduction.isIdentity reduced)
    |> Option.bind (fun f -> f.PaperSpeedup |> Option.map (fun paper -> f, paper))
    |> Option.iter (fun (f, paper) ->
        printfn
            "  paper      %.2fx measured for the default schedule on %s (predicted / paper %.2f)"
            paper
            f.Preset
            (cost.Speedup / paper))

    printfn "  context    %s peak" (bytes cost.PeakContextBytes)
    printfn "  activation %s peak" (bytes cost.PeakActivationBytes)

    args.TryGetResult PlanArgs.Png
    |> Option.iter (fun path ->
        PlanPicture.Write(path, plan)
        printfn "wrote %s" path)

    args.TryGetResult PlanArgs.Json
    |> Option.iter (fun path ->
        writeAtomically path (plan.ToJson())
        printfn "wrote %s" path)

    ExitCode.Success
