using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Bench.Shared;
using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>
/// <c>loop</c>: times whole denoising loops (no text encoder, no VAE) through <see cref="VideoDenoiser"/> with random
/// weights: dense, RhymeFlow (K/V context, the authors' hidden-state context, optionally hidden states on the host)
/// and dense on fewer steps at RhymeFlow's predicted cost. Rows are interleaved round by round in one process, so
/// every ratio compares runs of the same session.
/// </summary>
internal static class LoopCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One row of the table: a schedule and what the cost model predicts for it.</summary>
    private sealed record Row(string Key, string Name, string Detail, ScheduleSpec Schedule, PlanCostView Predicted)
    {
        public List<double> Seconds { get; } = [];

        public List<double> ElapsedSeconds { get; } = [];

        public List<Sample> Evaluations { get; } = [];

        public ulong? Peak { get; set; }

        public long ContextBytes { get; set; }

        public int Full { get; set; }

        public int Active { get; set; }

        public IReadOnlyList<int> Keyframes { get; set; } = [];
    }

    /// <summary>One evaluation of a timed run: its class, wall time and predicted FLOPs.</summary>
    private sealed record Sample(int Run, string Class, double Milliseconds, double PredictedFlops, double ExecutedFlops);

    /// <summary>Records every evaluation event on the compute thread (Progress&lt;T&gt; would post them elsewhere).</summary>
    private sealed class Recorder : IProgress<DenoiseEvent>
    {
        public List<EvaluationCompleted> Events { get; } = [];

        public void Report(DenoiseEvent value)
        {
            if (value is EvaluationCompleted completed)
            {
                Events.Add(completed);
            }
        }
    }

    public static int Run(LoopOptions options, IReadOnlyList<string> commandLine)
    {
        var device = BenchDevice.Open(options.Device);
        if (device.IsCuda)
        {
            torch.backends.cuda.matmul.allow_tf32 = options.Tf32;
            using var init = ones(1, device: device.Device);
            device.Synchronize();
        }

        var config = options.Model.Config;
        var frames = options.LatentFrames;
        var tokensPerFrame = options.TokensPerFrame;
        var cfgBatch = options.Guidance == 1 ? 1 : 2;
        var geometry = new Geometry(
            config.NumLayers, config.InnerDim, config.NumAttentionHeads, config.FfnDim, tokensPerFrame, frames,
            options.TextLength, cfgBatch, options.DType == ScalarType.Float32 ? 4 : 2);

        var rows = BuildRows(options, geometry, frames, out var fewerSteps, out var rhymeFlowSpeedup);
        if (options.PlanOnly)
        {
            PrintPlans(options, rows, fewerSteps, rhymeFlowSpeedup);
            return 0;
        }

        using var memory = MemoryProbe.Create(device);
        using var model = RandomWan.Create(config, options.DType, device.Device, options.Seed);
        random.manual_seed(options.Seed);
        using var noise = randn([1, config.InChannels, options.Frames, options.Height, options.Width], device: device.Device);
        using var prompt = randn([1, options.TextLength, config.TextDim], dtype: options.DType, device: device.Device);
        var denoiser = new VideoDenoiser(model);

        Console.WriteLine($"model      {options.Model.Name}: {config.NumLayers} layers, dim {config.InnerDim} ({config.NumAttentionHeads}x{config.AttentionHeadDim}), ffn {config.FfnDim}, {model.parameters().Sum(p => p.numel()) / 1e6:0.0}M parameters, random N(0, {RandomWan.Std}) weights");
        Console.WriteLine($"geometry   latents [1, {config.InChannels}, {options.Frames}, {options.Height}, {options.Width}] = {frames} frames x {tokensPerFrame} tokens = {frames * tokensPerFrame} tokens; text {options.TextLength}; CFG {options.Guidance.ToString(Inv)} ({(cfgBatch == 2 ? "batched: cond and uncond in one call" : "off")})");
        Console.WriteLine($"sampling   {options.Steps} steps, UniPC, shift {options.Shift.ToString(Inv)}; RhymeFlow Tw {options.WarmupSteps}, M {options.Keyframes}, progressive skip {options.MinSkip}..{options.MaxSkip} at 0.3/0.7, semantic keyframes");
        Console.WriteLine($"dtype      {BenchDevice.Name(options.DType)}");
        Console.WriteLine($"device     {device.Describe()}");
        if (fewerSteps is { } n)
        {
            Console.WriteLine($"fewer      n = round({options.Steps} / {rhymeFlowSpeedup.ToString("0.000", Inv)}) = {n} steps (the RhymeFlow default's predicted speedup)");
        }

        Console.WriteLine($"timing     1 warm-up run (2-step dense), then {options.Repeats} round(s) of every row; rounds alternate the row order; median per row");
        Console.WriteLine();

        // Warm-up: JIT, allocator and kernel selection off the first timed row.
        using (var warm = denoiser.GenerateAsync(new DenoiseRequest(prompt, noise, Schedules.Dense(2, options.Shift, SolverKind.UniPC), options.Guidance)).GetAwaiter().GetResult())
        {
            device.Synchronize();
        }

        // Run order inside a round: ascending predicted device context, so that the first round's memory readings
        // (NVML sees the caching allocator's reserve, which never shrinks) are each row's own peak where possible.
        var ascending = rows.OrderBy(r => r.Key == "hidden-host" ? 0 : r.Predicted.PeakContextBytes).ToArray();
        var paired = new List<Dictionary<string, double>>();
        for (var round = 0; round < options.Repeats; round++)
        {
            var order = round % 2 == 0 ? ascending : [.. ascending.Reverse()];
            var times = new Dictionary<string, double>();
            foreach (var row in order)
            {
                var seconds = TimeOne(row, options, denoiser, prompt, noise, geometry, device, memory, measureMemory: round == 0);
                times[row.Key] = seconds;
                Console.WriteLine($"  round {round + 1}/{options.Repeats} {row.Key,-11} {seconds.ToString("0.000", Inv)} s");
            }

            paired.Add(times);
        }

        var dense = rows.FirstOrDefault(r => r.Key == "dense");
        var denseMedian = dense is null ? (double?)null : Median(dense.Seconds);
        var table = new ResultTable(
            "row", "evaluations (full/active)", "loop s (median)", "min..max s", "measured ratio vs dense", "predicted ratio",
            "ratio / predicted", $"peak mem above baseline ({(device.IsCuda ? "NVML" : "RSS")})", "context MiB (measured / predicted)");
        foreach (var row in rows)
        {
            var median = Median(row.Seconds);
            var ratio = denseMedian is { } d ? d / median : (double?)null;
            var predicted = row.Predicted.Speedup;
            table.Add(
                $"{row.Name} ({row.Detail})",
                $"{row.Full}/{row.Active}",
                median.ToString("0.00", Inv),
                $"{row.Seconds.Min().ToString("0.00", Inv)}..{row.Seconds.Max().ToString("0.00", Inv)}",
                ratio is { } r ? r.ToString("0.00", Inv) + "x" : "–",
                predicted.ToString("0.00", Inv) + "x",
                ratio is { } r2 ? (r2 / predicted).ToString("0.00", Inv) : "–",
                row.Peak is { } peak ? memory.AboveBaseline(peak) : "–",
                $"{Mib(row.ContextBytes)} / {Mib((long)row.Predicted.PeakContextBytes)}");
        }

        var notes = Notes(options, rows, paired, dense, geometry, device, memory, fewerSteps, rhymeFlowSpeedup);
        Console.WriteLine();
        Console.Write(table.ToConsole());
        Console.WriteLine();
        notes.ForEach(Console.WriteLine);

        if (options.Markdown is { } path)
        {
            var command = "RhymeFlow.Bench " + string.Join(' ', commandLine.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
            var text = $"""

                #### {DateTime.Now:yyyy-MM-dd} loop, {options.Model.Name}, {BenchDevice.Name(options.DType)}, {device.Describe()}

                `{command}`

                {table.ToMarkdown()}
                {string.Join("\n", notes.Select(n => n.Length == 0 ? "" : n.StartsWith("  ", StringComparison.Ordinal) ? "  - " + n.TrimStart() : "- " + n))}

                """;
            File.AppendAllText(path, text);
            Console.WriteLine($"appended to {path}");
        }

        return 0;
    }

    /// <summary><c>--plan-only</c>: the cost model's view of every row, without building a model.</summary>
    private static void PrintPlans(LoopOptions options, List<Row> rows, int? fewerSteps, double rhymeFlowSpeedup)
    {
        var table = new ResultTable("row", "evaluations (full/active)", "predicted ratio", "TFLOP", "predicted context MiB", "predicted peak activation MiB");
        foreach (var row in rows)
        {
            var plan = row.Schedule.Prepare(options.LatentFrames).Preview();
            table.Add(
                $"{row.Name} ({row.Detail})",
                $"{plan.FullCount}/{plan.ActiveCount}",
                row.Predicted.Speedup.ToString("0.00", Inv) + "x",
                (row.Predicted.Flops / 1e12).ToString("0.0", Inv),
                Mib((long)row.Predicted.PeakContextBytes),
                Mib((long)row.Predicted.PeakActivationBytes));
        }

        Console.Write(table.ToConsole());
        if (fewerSteps is { } n)
        {
            Console.WriteLine($"fewer steps: n = round({options.Steps} / {rhymeFlowSpeedup.ToString("0.000", Inv)}) = {n}");
        }
    }

    private static List<Row> BuildRows(LoopOptions options, Geometry geometry, int frames, out int? fewerSteps, out double rhymeFlowSpeedup)
    {
        ScheduleSpec RhymeFlowSpec(ContextKind context) => Schedules.RhymeFlow(
            steps: options.Steps,
            warmupSteps: options.WarmupSteps,
            keyframes: options.Keyframes,
            minSkip: options.MinSkip,
            maxSkip: options.MaxSkip,
            context: context,
            solver: SolverKind.UniPC,
            shift: options.Shift);

        PlanCostView Cost(ScheduleSpec spec) => spec.Prepare(frames).Preview().Cost(geometry);

        // The fewer-steps row matches the RhymeFlow default's predicted cost, whether or not that row is run.
        rhymeFlowSpeedup = Cost(RhymeFlowSpec(ContextKind.LayerKv)).Speedup;
        fewerSteps = null;
        var rows = new List<Row>();
        foreach (var key in options.Rows)
        {
            var tag = $"Tw{options.WarmupSteps}, M{options.Keyframes}, skip {options.MinSkip}..{options.MaxSkip}";
            ScheduleSpec spec;
            (string Name, string Detail) label;
            switch (key)
            {
                case "dense":
                    spec = Schedules.Dense(options.Steps, options.Shift, SolverKind.UniPC);
                    label = ("dense", $"{options.Steps} steps");
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
                    var n = Math.Clamp((int)Math.Round(options.Steps / rhymeFlowSpeedup, MidpointRounding.AwayFromZero), 1, options.Steps);
                    fewerSteps = n;
                    spec = Schedules.FewerSteps(n, options.Steps, options.Shift, SolverKind.UniPC);
                    label = ("fewer steps", $"{n} of {options.Steps} steps, at RhymeFlow's predicted cost");
                    break;
                default:
                    throw new InvalidOperationException($"unknown row {key}");
            }

            rows.Add(new Row(key, label.Name, label.Detail, spec, Cost(spec)));
        }

        return rows;
    }

    /// <summary>One whole loop of <paramref name="row"/>; returns its wall time in seconds and records its evaluations.</summary>
    private static double TimeOne(
        Row row,
        LoopOptions options,
        VideoDenoiser denoiser,
        Tensor prompt,
        Tensor noise,
        Geometry geometry,
        BenchDevice device,
        MemoryProbe memory,
        bool measureMemory)
    {
        var recorder = new Recorder();
        var request = new DenoiseRequest(prompt, noise, row.Schedule, options.Guidance);
        if (measureMemory)
        {
            memory.BeginPhase();
        }

        device.Synchronize();
        var start = Stopwatch.GetTimestamp();
        using var result = denoiser.GenerateAsync(request, recorder).GetAwaiter().GetResult();
        device.Synchronize();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (measureMemory)
        {
            row.Peak = memory.EndPhase();
        }

        row.Seconds.Add(seconds);
        row.ElapsedSeconds.Add(result.Elapsed.TotalSeconds);
        row.ContextBytes = Math.Max(row.ContextBytes, result.ContextBytes);
        row.Full = result.Plan.FullCount;
        row.Active = result.Plan.ActiveCount;
        row.Keyframes = result.Plan.Keyframes;

        // Per-evaluation classes and FLOPs of the plan that actually ran (keyframes included).
        var plan = result.Plan.Evaluations;
        var predicted = result.Plan.Cost(geometry).EvaluationFlops;
        var config = options.Model.Config;
        var perFrame = (double)options.TokensPerFrame;
        var all = perFrame * options.LatentFrames;
        foreach (var e in recorder.Events)
        {
            var view = plan[e.Index];
            var hiddenContext = row.Key is "authors" or "hidden-host";
            var (cls, work) = e.Kind switch
            {
                EvaluationKindView.Active => ("active",
                    new WanFlops.Work(view.ComputedFrames.Count * perFrame, hiddenContext ? all : view.ComputedFrames.Count * perFrame, all, false)),
                EvaluationKindView.Correction => ("correction", new WanFlops.Work(all, all, all, false)),
                _ => (view.RecordContextFrames.Count > 0 ? "full, recording" : "full", new WanFlops.Work(all, all, all, false)),
            };
            var executed = WanFlops.Evaluate(config, geometry.CfgBatch, options.TextLength, work);
            row.Evaluations.Add(new Sample(row.Seconds.Count, cls, e.Duration.TotalMilliseconds, predicted[e.Index], executed));
        }

        return seconds;
    }

    private static List<string> Notes(
        LoopOptions options,
        List<Row> rows,
        List<Dictionary<string, double>> paired,
        Row? dense,
        Geometry geometry,
        BenchDevice device,
        MemoryProbe memory,
        int? fewerSteps,
        double rhymeFlowSpeedup)
    {
        var notes = new List<string>();
        // Paired per-round ratios: each round's dense time over the same round's row time.
        if (dense is not null && paired.Count > 1)
        {
            foreach (var row in rows.Where(r => r.Key != "dense"))
            {
                var ratios = paired.Select(p => p["dense"] / p[row.Key]).Order().ToArray();
                notes.Add($"{row.Name}: per-round paired ratio vs dense {string.Join(", ", ratios.Select(r => r.ToString("0.00", Inv)))} (median {Median(ratios).ToString("0.00", Inv)})");
            }
        }

        if (fewerSteps is { } n)
        {
            notes.Add($"fewer steps: n = round({options.Steps} / {rhymeFlowSpeedup.ToString("0.000", Inv)}) = {n}, the RhymeFlow default's predicted speedup at this geometry.");
        }

        // Per-evaluation durations: where the ratio comes from.
        notes.Add("per-evaluation wall time (EvaluationCompleted.Duration over all timed runs; each evaluation ends with a device sync in the NaN guard). "
            + "\"x FLOP share\" = median ms / (predicted FLOPs x the median ms per FLOP of every plain full evaluation of every row), so 1.00 means the evaluation costs exactly its FLOP share of a dense step:");
        var reference = rows.SelectMany(r => r.Evaluations).Where(s => s.Class == "full").ToArray();
        var msPerFlop = reference.Length > 0 ? Median(reference.Select(s => s.Milliseconds / s.PredictedFlops)) : (double?)null;
        foreach (var row in rows.Where(r => r.Key is "dense" or "rhymeflow" or "authors" or "hidden-host"))
        {
            foreach (var group in row.Evaluations.GroupBy(s => s.Class).OrderBy(g => g.Key))
            {
                var median = Median(group.Select(s => s.Milliseconds));
                var mean = group.Average(s => s.Milliseconds);
                var flops = group.Average(s => s.PredictedFlops);
                var executed = group.Average(s => s.ExecutedFlops);
                var relative = msPerFlop is { } k ? $"; {(median / (k * flops)).ToString("0.00", Inv)}x FLOP share" : "";
                notes.Add($"  {row.Key} {group.Key}: {group.Count() / row.Seconds.Count} per run, median {median.ToString("0.0", Inv)} ms, mean {mean.ToString("0.0", Inv)} ms (min {group.Min(s => s.Milliseconds).ToString("0.0", Inv)}, max {group.Max(s => s.Milliseconds).ToString("0.0", Inv)}); predicted {flops / 1e9:0.00} GFLOP (executed, embed/head in, text K/V once: {executed / 1e9:0.00}){relative}");
            }

            // Within one run, the recording full evaluations and the active ones alternate seconds apart, so their
            // ratio is far less exposed to a shared machine's load swings than ratios between whole loops.
            var perRun = row.Evaluations.GroupBy(s => s.Run).Select(run =>
            {
                var active = run.Where(s => s.Class == "active").ToArray();
                var full = run.Where(s => s.Class == "full, recording").ToArray();
                return active.Length == 0 || full.Length == 0
                    ? (double?)null
                    : Median(full.Select(s => s.Milliseconds)) / Median(active.Select(s => s.Milliseconds));
            }).OfType<double>().Order().ToArray();
            if (perRun.Length > 0)
            {
                var flopRatio = row.Evaluations.Where(s => s.Class == "full, recording").Average(s => s.PredictedFlops)
                    / row.Evaluations.Where(s => s.Class == "active").Average(s => s.PredictedFlops);
                notes.Add($"  {row.Key}: within-run median(full, recording) / median(active) = {Median(perRun).ToString("0.00", Inv)} (runs: {string.Join(", ", perRun.Select(r => r.ToString("0.00", Inv)))}); by predicted FLOPs {flopRatio.ToString("0.00", Inv)}");
            }

            var evaluationSeconds = row.Evaluations.Sum(s => s.Milliseconds) / 1e3 / row.Seconds.Count;
            notes.Add($"  {row.Key}: Σ evaluations {evaluationSeconds.ToString("0.00", Inv)} s of {row.Seconds.Average().ToString("0.00", Inv)} s mean loop (VideoLatents.Elapsed mean {row.ElapsedSeconds.Average().ToString("0.00", Inv)} s); keyframes of the last run [{string.Join(", ", row.Keyframes)}]");
        }

        // FLOP ratios: the cost model (blocks, text K/V counted per evaluation) and what the executor runs.
        foreach (var row in rows)
        {
            var executed = row.Evaluations.Sum(s => s.ExecutedFlops) / row.Seconds.Count;
            var denseExecuted = dense is null ? (double?)null : dense.Evaluations.Sum(s => s.ExecutedFlops) / dense.Seconds.Count;
            notes.Add($"FLOPs {row.Key}: cost model {row.Predicted.Flops / 1e12:0.000} TFLOP (dense {row.Predicted.DenseFlops / 1e12:0.000}, {row.Predicted.Speedup.ToString("0.00", Inv)}x){(denseExecuted is { } de ? $"; executed {executed / 1e12:0.000} TFLOP, ratio {(de / executed).ToString("0.00", Inv)}x" : "")}");
        }

        var rf = rows.FirstOrDefault(r => r.Key == "rhymeflow");
        if (rf is not null && dense is not null)
        {
            var ratio = Median(dense.Seconds) / Median(rf.Seconds);
            var off = ratio / rf.Predicted.Speedup - 1;
            notes.Add($"goal: RhymeFlow default ≥ 2.0x vs dense: {ratio.ToString("0.00", Inv)}x ({(ratio >= 2 ? "met" : "missed")}); within 10% of predicted {rf.Predicted.Speedup.ToString("0.00", Inv)}x: {(off * 100).ToString("+0;-0", Inv)}% ({(Math.Abs(off) <= 0.1 ? "met" : "missed")}); ≤ 25 s absolute applies to 1.3b 480p on an H100 only: {Median(rf.Seconds).ToString("0.00", Inv)} s here.");
        }

        notes.Add($"memory: {memory.Method}; baseline {MemoryProbe.Format(memory.Baseline)}; read in the first round only, rows in order of predicted context size, so a row's reading is max(its own peak, what earlier rows left reserved{(device.IsCuda ? " in the caching allocator, which TorchSharp cannot empty" : " in the allocator's heap")}).");
        notes.Add("context: VideoLatents.ContextBytes (the largest recorded context held at once) / the cost model's PeakContextBytes.");
        return notes;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", Inv);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
