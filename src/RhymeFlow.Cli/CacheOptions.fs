/// The step cache's command-line options (--cache, --cache-threshold) turned into host settings, with errors that name
/// the flag.
module RhymeFlow.Cli.CacheOptions

open System
open System.Collections.Generic
open RhymeFlow.Core
open RhymeFlow.Host.Acceleration.StepCaching
open RhymeFlow.Cli.Failure

/// Which cache the command line asks for, with its threshold.
type CacheChoice =
    | NoCache
    | TeaCacheAt of threshold: float
    | FirstBlockAt of threshold: float

/// The TeaCache authors' Wan thresholds are 0.05..0.08 for their "fast" setting; diffusers' first-block cache examples use 0.05..0.1.
let defaultTeaCacheThreshold = 0.08
let defaultFirstBlockThreshold = 0.05

/// The cache from --cache NAME and --cache-threshold X.
let choice (name: string option) (threshold: float option) =
    let checkedThreshold fallback =
        let value = defaultArg threshold fallback

        if not (Double.IsFinite value) || value < 0.0 then
            usageError $"--cache-threshold must be a finite number >= 0 (0 computes every step), got {value}."

        value

    match name |> Option.map _.ToLowerInvariant() with
    | None ->
        if threshold.IsSome then
            usageError "--cache-threshold applies to a step cache; give --cache teacache or --cache first-block."

        NoCache
    | Some "teacache" -> TeaCacheAt(checkedThreshold defaultTeaCacheThreshold)
    | Some "first-block" -> FirstBlockAt(checkedThreshold defaultFirstBlockThreshold)
    | Some other -> usageError $"--cache: '{other}' is not a step cache; expected teacache or first-block."

/// A cache needs every evaluation full: bad usage with a keyframe schedule.
let checkSchedule (cache: CacheChoice) (scheduleName: string) (schedule: ScheduleSpec) =
    match cache, schedule.Spec.Schedule with
    | NoCache, _
    | _, Dense
    | _, FewerSteps _ -> ()
    | _, RhymeFlow _ ->
        usageError
            $"--cache skips steps of a dense or fewer-steps schedule; --schedule {scheduleName} is a keyframe schedule (give --schedule dense or fewer-steps, or drop --cache)."

/// The host's settings; `coefficients` supplies TeaCache's polynomial (it is only asked for when TeaCache is chosen).
let stepCache (cache: CacheChoice) (coefficients: unit -> IReadOnlyList<float>) : StepCache =
    match cache with
    | NoCache -> null
    | TeaCacheAt threshold -> StepCache.TeaCache(threshold, coefficients ())
    | FirstBlockAt threshold -> StepCache.FirstBlock threshold

/// The TeaCache authors' Wan2.1 T2V-1.3B polynomial, for Wan checkpoints.
let wanCoefficients () = StepCachePolicies.Wan13BCoefficients

/// "teacache 0.08" and the like.
let describe (cache: CacheChoice) =
    match cache with
    | NoCache -> "none"
    | TeaCacheAt threshold -> $"teacache, threshold {threshold:g}"
    | FirstBlockAt threshold -> $"first-block, threshold {threshold:g}"

/// "blocks computed on 12 of 30 steps (150 of 450 block evaluations)"; empty without a trace.
let summary (trace: StepCacheTrace) =
    if isNull (box trace) then
        ""
    else
        $"blocks computed on {trace.ComputedSteps} of {trace.Steps.Count} steps ({trace.BlockEvaluations} of {trace.TotalBlocks} block evaluations)"
