/// Help texts that several verbs' flags share, so that every verb describes a flag the same way.
namespace RhymeFlow.Cli

/// Help texts shared by every verb that takes a schedule (`sample`, `plan`).
module ScheduleHelp =
    [<Literal>]
    let Schedule =
        "dense, rhymeflow (the default), fewer-steps (with --fewer N) or a schedule JSON file."

    [<Literal>]
    let Solver = "euler or unipc (overrides the schedule's)."

    [<Literal>]
    let Shift = "flow shift (overrides the schedule's)."

    [<Literal>]
    let Steps =
        "sampling steps N (overrides the schedule's; for fewer-steps, the baseline it is compared with)."

    [<Literal>]
    let Fewer = "fewer-steps only: the number of steps the dense run actually takes."

    [<Literal>]
    let Warmup =
        "rhymeflow only: dense warm-up steps Tw before keyframes are chosen (default 10)."

    [<Literal>]
    let KeyframeCount = "rhymeflow only: the keyframe budget M (default 2)."

    [<Literal>]
    let MinSkip =
        "rhymeflow only: the shortest group of steps sharing one full evaluation (default 3)."

    [<Literal>]
    let MaxSkip =
        "rhymeflow only: the longest group of steps sharing one full evaluation (default 5)."

    [<Literal>]
    let Projection = "rhymeflow only: linear-sigma (default), linear-timestep or foca."

    [<Literal>]
    let Context =
        "rhymeflow only: kv (default), hidden, hidden-host, projected or keyframes-only."

    [<Literal>]
    let Strategy =
        "rhymeflow only: keyframe strategy semantic (default), uniform, random, first or spread."

/// Help texts shared by every verb that takes an AsymRnR token reduction.
module ReductionHelp =
    [<Literal>]
    let Reduction =
        "AsymRnR token reduction in self-attention: none (the default), rule (--q-ratio/--kv-ratio, default 0.5/0.3), hunyuan (the authors' HunyuanVideo base: Q 0.9, KV 0.3, stride 6x2x2) or a reduction JSON file (as `profile` writes)."

    [<Literal>]
    let QRatio =
        "fraction of self-attention queries removed (implies --reduction rule; at most 1 - 1/stride volume)."

    [<Literal>]
    let KvRatio =
        "fraction of self-attention keys/values removed (implies --reduction rule)."

    [<Literal>]
    let ReduceFromStep =
        "rule only: no reduction before this fraction of the steps (default 0)."

    [<Literal>]
    let ReduceFromBlock =
        "rule only: no reduction in blocks below this index (default 0)."

    [<Literal>]
    let ReuseSteps =
        "consecutive steps that reuse one token split and matching (default 3)."

    [<Literal>]
    let Stride =
        "window stride FRAMESxROWSxCOLUMNS; one destination token per window (default 2x2x2)."

/// Help texts shared by every verb that takes a step cache.
module CacheHelp =
    [<Literal>]
    let Cache =
        "step cache on a dense or fewer-steps schedule: teacache (TeaCache: the built-in model's calibrated polynomial, the authors' Wan2.1-1.3B one for Wan checkpoints) or first-block (diffusers' first-block cache). Not with --schedule rhymeflow."

    [<Literal>]
    let CacheThreshold =
        "the step cache's threshold, >= 0; 0 computes every step (default: 0.08 for teacache, 0.05 for first-block)."
