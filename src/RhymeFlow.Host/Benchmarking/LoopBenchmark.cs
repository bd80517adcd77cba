using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// Times whole denoising loops (no text encoder, no VAE) through <see cref="VideoDenoiser"/> with random weights:
/// dense, RhymeFlow (K/V context, the authors' hidden-state context, optionally hidden states on the host) and dense
/// on fewer steps at RhymeFlow's predicted cost. Rows are interleaved round by round in one process, so every ratio
/// compares runs of the same session. The front ends are the bench program's <c>loop</c> and the CLI's <c>bench</c>.
/// </summary>
public static class LoopBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The rows of <paramref name="settings"/> with their predicted costs, without building a model.</summary>
    /// <param name="settings">Validated settings.</param>
    /// <param name="fewerSteps">The fewer-steps row's step count, where that row is asked for.</param>
    /// <param name="rhymeFlowSpeedup">The RhymeFlow default's predicted speedup, which sets the fewer-steps count.</param>
    public static IReadOnlyList<LoopBenchmarkRow> Rows(LoopBenchmarkSettings settings, out int? fewerSteps, out double rhymeFlowSpeedup)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var geometry = Geometry(settings);
        ScheduleSpec RhymeFlowSpec(ContextKind context) => Schedules.RhymeFlow(
            steps: settings.Steps,
            warmupSteps: settings.WarmupSteps,
            keyframes: settings.Keyframes,
            minSkip: settings.MinSkip,
            maxSkip: settings.MaxSkip,
            context: context,
            solver: SolverKind.UniPC,
            shift: settings.Shift);

        PlanCostView Cost(ScheduleSpec spec, TokenReductionSpec? reduction = null)
        {
            var plan = spec.Prepare(settings.LatentFrames).Preview();
            return reduction is null
                ? plan.Cost(geometry)
                : reduction.Compile(settings.Model.Config.NumLayers, plan.Steps).Cost(plan, geometry);
        }

        // The AsymRnR rows: the issue's Q 0.5 / KV 0.3, re-matched every 3 steps, 2x2x2 windows.
        var reduction = TokenReductions.Rule(0.5, 0.3, reuseSteps: 3);

        // The fewer-steps row matches the RhymeFlow default's predicted cost, whether or not that row is run.
        rhymeFlowSpeedup = Cost(RhymeFlowSpec(ContextKind.LayerKv)).Speedup;
        fewerSteps = null;
        var rows = new List<LoopBenchmarkRow>();
        var tag = $"Tw{settings.WarmupSteps}, M{settings.Keyframes}, skip {settings.MinSkip}..{settings.MaxSkip}";
        foreach (var key in settings.Rows)
        {
            ScheduleSpec spec;
            TokenReductionSpec? rowReduction = null;
            (string Name, string Detail) label;
            switch (key)
            {
                case "dense":
                    spec = Schedules.Dense(settings.Steps, settings.Shift, SolverKind.UniPC);
                    label = ("dense", $"{settings.Steps} steps");
                    break;
                case "rhymeflow":
                    spec = RhymeFlowSpec(ContextKind.LayerKv);
                    label = ("RhymeFlow default", $"{tag}, K/V context on device");
                    break;
                case "authors":
                    spec = RhymeFlowSpec(ContextKind.LayerHiddenDevice);
                    label = ("RhymeFlow, authors' context", $"{tag}, hidden states on device, K/V recomputed");
                    break;
                case "hidden-host":
                    spec = RhymeFlowSpec(ContextKind.LayerHiddenHost);
                    label = ("RhymeFlow, host context", $"{tag}, hidden states in host memory");
                    break;
                case "fewer":
                    var n = Math.Clamp((int)Math.Round(settings.Steps / rhymeFlowSpeedup, MidpointRounding.AwayFromZero), 1, settings.Steps);
                    fewerSteps = n;
                    spec = Schedules.FewerSteps(n, settings.Steps, settings.Shift, SolverKind.UniPC);
                    label = ("fewer steps", $"{n} of {settings.Steps} steps, at RhymeFlow's predicted cost");
                    break;
                case "asymrnr":
                    spec = Schedules.Dense(settings.Steps, settings.Shift, SolverKind.UniPC);
                    rowReduction = reduction;
                    label = ("dense + AsymRnR", $"{settings.Steps} steps, Q 0.5 / KV 0.3, reuse 3, 2x2x2");
                    break;
                case "rhymeflow+asymrnr":
                    spec = RhymeFlowSpec(ContextKind.LayerKv);
                    rowReduction = reduction;
                    label = ("RhymeFlow + AsymRnR", $"{tag}, K/V context; Q 0.5 / KV 0.3, reuse 3, 2x2x2");
                    break;
                default:
                    throw new BenchmarkArgumentException($"unknown row {key}");
            }

            rows.Add(new LoopBenchmarkRow(key, label.Name, label.Detail, spec, Cost(spec, rowReduction), rowReduction));
        }

        if (settings.Cache is { } cache)
        {
            // The cost model cannot predict a data-dependent cache: the prediction is dense's, the measurement says more.
            var dense = Schedules.Dense(settings.Steps, settings.Shift, SolverKind.UniPC);
            var (name, threshold) = cache switch
            {
                TeaCacheSettings tea => ("dense + TeaCache", tea.Threshold),
                FirstBlockCacheSettings first => ("dense + first-block cache", first.Threshold),
                _ => ("dense + TeaCache probe", 0.0),
            };
            rows.Add(new LoopBenchmarkRow("cache", name, $"{settings.Steps} steps, threshold {threshold.ToString(Inv)}", dense, Cost(dense), cache: cache));
        }

        return rows;
    }

    /// <summary>The cost model's view of every row (evaluations, predicted ratio, FLOPs, memory), without a model.</summary>
    public static ResultTable PlanTable(LoopBenchmarkSettings settings, out string? fewerStepsNote)
    {
        var rows = Rows(settings, out var fewerSteps, out var speedup);
        var table = new ResultTable("row", "evaluations (full/active)", "predicted ratio", "TFLOP", "predicted context MiB", "predicted peak activation MiB");
        foreach (var row in rows)
        {
            var plan = row.Schedule.Prepare(settings.LatentFrames).Preview();
            table.Add(
                $"{row.Name} ({row.Detail})",
                $"{plan.FullCount}/{plan.ActiveCount}",
                row.Predicted.Speedup.ToString("0.00", Inv) + "x",
                (row.Predicted.Flops / 1e12).ToString("0.0", Inv),
                Mib((long)row.Predicted.PeakContextBytes),
                Mib((long)row.Predicted.PeakActivationBytes));
        }

        fewerStepsNote = fewerSteps is { } n ? $"fewer steps: n = round({settings.Steps} / {speedup.ToString("0.000", Inv)}) = {n}" : null;
        return table;
    }

    /// <summary>
    /// Builds the random-weight model, runs one 2-step dense warm-up, then <see cref="LoopBenchmarkSettings.Repeats"/>
    /// rounds of every row, and returns the table and notes.
    /// </summary>
    /// <param name="settings">Validated settings.</param>
    /// <param name="log">Receives the header lines and one line per timed loop as they happen.</param>
    /// <param name="cancellationToken">Cancels at the next evaluation.</param>
    public static LoopBenchmarkReport Run(LoopBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        var device = BenchDevice.Open(settings.Device);
        if (device.IsCuda)
        {
            torch.backends.cuda.matmul.allow_tf32 = settings.Tf32;
            using var init = ones(1, device: device.Device);
            device.Synchronize();
        }

        var config = settings.Model.Config;
        var geometry = Geometry(settings);
        var rows = Rows(settings, out var fewerSteps, out var rhymeFlowSpeedup);

        using var memory = MemoryProbe.Create(device);
        using var model = RandomWan.Create(config, settings.DType, device.Device, settings.Seed);
        // Its own generator: the global one is shared with every thread that builds a model.
        using var generator = new Generator((ulong)settings.Seed, device.Device);
        using var noise = randn([1, config.InChannels, settings.Frames, settings.Height, settings.Width], device: device.Device, generator: generator);
        using var prompt = randn([1, settings.TextLength, config.TextDim], dtype: settings.DType, device: device.Device, generator: generator);
        var denoiser = new VideoDenoiser(model);

        var header = new List<string>
        {
            $"model      {settings.Model.Name}: {config.NumLayers} layers, dim {config.InnerDim} ({config.NumAttentionHeads}x{config.AttentionHeadDim}), ffn {config.FfnDim}, {model.parameters().Sum(p => p.numel()) / 1e6:0.0}M parameters, random N(0, {RandomWan.Std}) weights",
            $"geometry   latents [1, {config.InChannels}, {settings.Frames}, {settings.Height}, {settings.Width}] = {settings.LatentFrames} frames x {settings.TokensPerFrame} tokens = {settings.LatentFrames * settings.TokensPerFrame} tokens; text {settings.TextLength}; CFG {settings.Guidance.ToString(Inv)} ({(geometry.CfgBatch == 2 ? "batched: cond and uncond in one call" : "off")})",
            $"sampling   {settings.Steps} steps, UniPC, shift {settings.Shift.ToString(Inv)}; RhymeFlow Tw {settings.WarmupSteps}, M {settings.Keyframes}, progressive skip {settings.MinSkip}..{settings.MaxSkip} at 0.3/0.7, semantic keyframes",
            $"dtype      {BenchDevice.Name(settings.DType)}",
            $"device     {device.Describe()}",
        };
        if (fewerSteps is { } n)
        {
            header.Add($"fewer      n = round({settings.Steps} / {rhymeFlowSpeedup.ToString("0.000", Inv)}) = {n} steps (the RhymeFlow default's predicted speedup)");
        }

        header.Add($"timing     1 warm-up run (2-step dense), then {settings.Repeats} round(s) of every row; rounds alternate the row order; median per row");
        header.ForEach(log.WriteLine);
        log.WriteLine();

        // Warm-up: JIT, allocator and kernel selection off the first timed row.
        using (var warm = denoiser.GenerateAsync(new DenoiseRequest(prompt, noise, Schedules.Dense(2, settings.Shift, SolverKind.UniPC), settings.Guidance), null, cancellationToken).GetAwaiter().GetResult())
        {
            device.Synchronize();
        }

        // Run order inside a round: ascending predicted device context, so that the first round's memory readings
        // (NVML sees the caching allocator's reserve, which never shrinks) are each row's own peak where possible.
        var ascending = rows.OrderBy(r => r.Key == "hidden-host" ? 0 : r.Predicted.PeakContextBytes).ToArray();
        var paired = new List<Dictionary<string, double>>();
        for (var round = 0; round < settings.Repeats; round++)
        {
            var order = round % 2 == 0 ? ascending : [.. ascending.Reverse()];
            var times = new Dictionary<string, double>();
            foreach (var row in order)
            {
                var seconds = TimeOne(row, settings, denoiser, prompt, noise, geometry, device, memory, measureMemory: round == 0, cancellationToken);
                times[row.Key] = seconds;
                log.WriteLine($"  round {round + 1}/{settings.Repeats} {row.Key,-11} {seconds.ToString("0.000", Inv)} s");
            }

            paired.Add(times);
        }

        return new LoopBenchmarkReport(settings, rows, header, device, memory, LoopBenchmarkNotes.Write(settings, rows, paired, device, memory, fewerSteps, rhymeFlowSpeedup));
    }

    /// <summary>The core's geometry of the benchmark: CFG batch 2 when guidance is above 1, 2-byte elements but for f32.</summary>
    internal static Geometry Geometry(LoopBenchmarkSettings settings)
    {
        var config = settings.Model.Config;
        return new Geometry(
            config.NumLayers, config.InnerDim, config.NumAttentionHeads, config.FfnDim, settings.TokensPerFrame, settings.LatentFrames,
            settings.TextLength, settings.Guidance == 1 ? 1 : 2, settings.DType == ScalarType.Float32 ? 4 : 2);
    }

    internal static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", Inv);

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>One whole loop of <paramref name="row"/>; returns its wall time in seconds and records its evaluations.</summary>
    private static double TimeOne(
        LoopBenchmarkRow row,
        LoopBenchmarkSettings settings,
        VideoDenoiser denoiser,
        Tensor prompt,
        Tensor noise,
        Geometry geometry,
        BenchDevice device,
        MemoryProbe memory,
        bool measureMemory,
        CancellationToken cancellationToken)
    {
        var recorder = new EvaluationRecorder();
        var reduction = row.Reduction is null ? null : AttentionReduction.Compile(row.Reduction, settings.Model.Config.NumLayers, row.Schedule);
        var request = new DenoiseRequest(prompt, noise, row.Schedule, settings.Guidance, Reduction: reduction) { StepCache = row.Cache };
        if (measureMemory)
        {
            memory.BeginPhase();
        }

        device.Synchronize();
        var start = Stopwatch.GetTimestamp();
        using var result = denoiser.GenerateAsync(request, recorder, cancellationToken).GetAwaiter().GetResult();
        device.Synchronize();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (measureMemory)
        {
            row.Peak = memory.EndPhase();
        }

        row.SecondsList.Add(seconds);
        row.ElapsedSeconds.Add(result.Elapsed.TotalSeconds);
        row.ContextBytes = Math.Max(row.ContextBytes, result.ContextBytes);
        row.Full = result.Plan.FullCount;
        row.Active = result.Plan.ActiveCount;
        row.Keyframes = result.Plan.Keyframes;
        row.CacheTrace = result.CacheTrace;

        // Per-evaluation classes and FLOPs of the plan that actually ran (keyframes included).
        var plan = result.Plan.Evaluations;
        var predicted = result.Plan.Cost(geometry).EvaluationFlops;
        var config = settings.Model.Config;
        var perFrame = (double)settings.TokensPerFrame;
        var all = perFrame * settings.LatentFrames;
        var hiddenContext = row.Key is "authors" or "hidden-host";
        foreach (var e in recorder.Events)
        {
            var view = plan[e.Index];
            var (cls, work) = e.Kind switch
            {
                EvaluationKindView.Active => ("active",
                    new WanFlops.Work(view.ComputedFrames.Count * perFrame, hiddenContext ? all : view.ComputedFrames.Count * perFrame, all, false)),
                EvaluationKindView.Correction => ("correction", new WanFlops.Work(all, all, all, false)),
                _ => (view.RecordContextFrames.Count > 0 ? "full, recording" : "full", new WanFlops.Work(all, all, all, false)),
            };
            var executed = WanFlops.Evaluate(config, geometry.CfgBatch, settings.TextLength, work);

            // A step cache runs some of the blocks; the patch embedding and output head it always runs are left out.
            if (result.CacheTrace is { } trace)
            {
                executed *= (double)trace.Steps[e.Index].BlocksExecuted / trace.BlocksPerEvaluation;
            }

            row.Evaluations.Add(new LoopEvaluationSample(row.SecondsList.Count, cls, e.Duration.TotalMilliseconds, predicted[e.Index], executed));
        }

        return seconds;
    }
}
