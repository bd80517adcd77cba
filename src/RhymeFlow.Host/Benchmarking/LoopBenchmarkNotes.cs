using System.Globalization;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>The notes under the loop benchmark's table: paired ratios, per-evaluation times, FLOPs, memory, the goal.</summary>
internal static class LoopBenchmarkNotes
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<string> Write(
        LoopBenchmarkSettings settings,
        IReadOnlyList<LoopBenchmarkRow> rows,
        List<Dictionary<string, double>> paired,
        BenchDevice device,
        MemoryProbe memory,
        int? fewerSteps,
        double rhymeFlowSpeedup)
    {
        static double Median(IEnumerable<double> values) => LoopBenchmark.Median(values);
        var dense = rows.FirstOrDefault(r => r.Key == "dense");
        var notes = new List<string>();
        foreach (var row in rows.Where(r => r.CacheTrace is not null))
        {
            var trace = row.CacheTrace!;
            notes.Add($"{row.Name}: blocks computed on {trace.ComputedSteps} of {trace.Steps.Count} steps, {trace.BlockEvaluations} of {trace.TotalBlocks} block evaluations ({(100.0 * trace.BlockEvaluations / trace.TotalBlocks).ToString("0", Inv)}%); the predicted ratio is dense's (a data-dependent cache has no prediction)");
        }

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
            notes.Add($"fewer steps: n = round({settings.Steps} / {rhymeFlowSpeedup.ToString("0.000", Inv)}) = {n}, the RhymeFlow default's predicted speedup at this geometry.");
        }

        // Per-evaluation durations: where the ratio comes from.
        notes.Add("per-evaluation wall time (EvaluationCompleted.Duration over all timed runs; each evaluation ends with a device sync in the NaN guard). "
            + "\"x FLOP share\" = median ms / (predicted FLOPs x the median ms per FLOP of every plain full evaluation of every row), so 1.00 means the evaluation costs exactly its FLOP share of a dense step:");
        var reference = rows.SelectMany(r => r.Evaluations).Where(s => s.Class == "full").ToArray();
        var msPerFlop = reference.Length > 0 ? Median(reference.Select(s => s.Milliseconds / s.PredictedFlops)) : (double?)null;
        foreach (var row in rows.Where(r => r.Key is "dense" or "rhymeflow" or "authors" or "hidden-host"))
        {
            var runs = row.SecondsList.Count;
            foreach (var group in row.Evaluations.GroupBy(s => s.Class).OrderBy(g => g.Key))
            {
                var median = Median(group.Select(s => s.Milliseconds));
                var mean = group.Average(s => s.Milliseconds);
                var flops = group.Average(s => s.PredictedFlops);
                var executed = group.Average(s => s.ExecutedFlops);
                var relative = msPerFlop is { } k ? $"; {(median / (k * flops)).ToString("0.00", Inv)}x FLOP share" : "";
                notes.Add($"  {row.Key} {group.Key}: {group.Count() / runs} per run, median {median.ToString("0.0", Inv)} ms, mean {mean.ToString("0.0", Inv)} ms (min {group.Min(s => s.Milliseconds).ToString("0.0", Inv)}, max {group.Max(s => s.Milliseconds).ToString("0.0", Inv)}); predicted {flops / 1e9:0.00} GFLOP (executed, embed/head in, text K/V once: {executed / 1e9:0.00}){relative}");
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

            var evaluationSeconds = row.Evaluations.Sum(s => s.Milliseconds) / 1e3 / runs;
            notes.Add($"  {row.Key}: Σ evaluations {evaluationSeconds.ToString("0.00", Inv)} s of {row.SecondsList.Average().ToString("0.00", Inv)} s mean loop (VideoLatents.Elapsed mean {row.ElapsedSeconds.Average().ToString("0.00", Inv)} s); keyframes of the last run [{string.Join(", ", row.Keyframes)}]");
        }

        // FLOP ratios: the cost model (blocks, text K/V counted per evaluation) and what the executor runs.
        foreach (var row in rows)
        {
            var executed = row.Evaluations.Sum(s => s.ExecutedFlops) / row.SecondsList.Count;
            var denseExecuted = dense is null ? (double?)null : dense.Evaluations.Sum(s => s.ExecutedFlops) / dense.SecondsList.Count;
            notes.Add($"FLOPs {row.Key}: cost model {row.Predicted.Flops / 1e12:0.000} TFLOP (dense {row.Predicted.DenseFlops / 1e12:0.000}, {row.Predicted.Speedup.ToString("0.00", Inv)}x){(row.Reduction is not null ? "; executed FLOPs are counted without the token reduction, so they are not shown" : denseExecuted is { } de ? $"; executed {executed / 1e12:0.000} TFLOP, ratio {(de / executed).ToString("0.00", Inv)}x" : "")}");
        }

        var rf = rows.FirstOrDefault(r => r.Key == "rhymeflow");
        if (rf is not null && dense is not null)
        {
            var ratio = dense.MedianSeconds / rf.MedianSeconds;
            var off = ratio / rf.Predicted.Speedup - 1;
            notes.Add($"goal: RhymeFlow default ≥ 2.0x vs dense: {ratio.ToString("0.00", Inv)}x ({(ratio >= 2 ? "met" : "missed")}); within 10% of predicted {rf.Predicted.Speedup.ToString("0.00", Inv)}x: {(off * 100).ToString("+0;-0", Inv)}% ({(Math.Abs(off) <= 0.1 ? "met" : "missed")}); ≤ 25 s absolute applies to 1.3b 480p on an H100 only: {rf.MedianSeconds.ToString("0.00", Inv)} s here.");
        }

        notes.Add($"memory: {memory.Method}; baseline {MemoryProbe.Format(memory.Baseline)}; read in the first round only, rows in order of predicted context size, so a row's reading is max(its own peak, what earlier rows left reserved{(device.IsCuda ? " in the caching allocator, which TorchSharp cannot empty" : " in the allocator's heap")}).");
        notes.Add("context: VideoLatents.ContextBytes (the largest recorded context held at once) / the cost model's PeakContextBytes.");
        return notes;
    }
}
