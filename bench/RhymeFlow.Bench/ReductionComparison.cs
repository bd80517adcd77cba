using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Benchmarking;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Models.Wan;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>
/// <c>forward --reductions</c>: the forward (text prepared) under several AsymRnR settings, interleaved per round so
/// that drift of a shared machine hits every setting alike.
/// </summary>
/// <remarks>
/// Each setting is timed twice per round: with the matching computed in the call (a reuse window of one step, the
/// most it can cost) and with the matching reused from the cache (the other steps of a reuse window).
/// </remarks>
internal static class ReductionComparison
{
    /// <summary>Times every set and prints the table; returns it as markdown.</summary>
    public static string Run(ForwardOptions options, BenchDevice device, WanTransformer model, Tensor latents, Tensor textStates, Tensor timestep)
    {
        var sets = options.Reductions ?? [];
        using var text = model.PrepareText(textStates);
        var grid = new VideoTokenLayout([.. Enumerable.Range(0, options.Frames / model.Config.PatchSize.T)], options.Height / model.Config.PatchSize.H, options.Width / model.Config.PatchSize.W);
        var cached = sets.Select(set => set.IsDense ? null : new AsymRnRRun(Reduction(set, options))).ToArray();
        try
        {
            var matched = sets.Select(_ => new List<double>()).ToArray();
            var reused = sets.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < options.Warmup + options.Runs; round++)
            {
                var timed = round >= options.Warmup;
                for (var i = 0; i < sets.Count; i++)
                {
                    var set = sets[i];
                    if (set.IsDense)
                    {
                        var dense = Time(device, () => model.Forward(latents, timestep, text));
                        matched[i].Add(dense);
                        reused[i].Add(dense);
                        continue;
                    }

                    using (var fresh = new AsymRnRRun(Reduction(set, options)))
                    {
                        matched[i].Add(Time(device, () => model.Forward(latents, timestep, text, fresh.ForStep(0))));
                    }

                    reused[i].Add(Time(device, () => model.Forward(latents, timestep, text, cached[i]!.ForStep(0))));
                }

                if (!timed)
                {
                    Array.ForEach(matched, m => m.Clear());
                    Array.ForEach(reused, r => r.Clear());
                }
            }

            var culture = CultureInfo.InvariantCulture;
            var denseIndex = sets.ToList().FindIndex(s => s.IsDense);
            var denseMedian = Median(matched[denseIndex]);
            var table = new ResultTable("attention", "Q tokens", "KV tokens", "median ms (matching in call)", "speedup", "median ms (matching reused)", "speedup");
            for (var i = 0; i < sets.Count; i++)
            {
                var (inCall, fromCache) = (Median(matched[i]), Median(reused[i]));
                table.Add(
                    sets[i].Name,
                    AsymRnRRun.ReducedLength(grid, options.Stride, sets[i].Query).ToString(culture),
                    AsymRnRRun.ReducedLength(grid, options.Stride, sets[i].KeyValue).ToString(culture),
                    inCall.ToString("0.0", culture),
                    (denseMedian / inCall).ToString("0.00", culture) + "x",
                    fromCache.ToString("0.0", culture),
                    (denseMedian / fromCache).ToString("0.00", culture) + "x");
            }

            var note = $"AsymRnR: window stride {options.Stride.AlongFrames}x{options.Stride.AlongRows}x{options.Stride.AlongColumns}, text prepared once, {options.Runs} rounds after {options.Warmup} warm-up, settings interleaved per round; token counts per batch row and head.";
            Console.WriteLine();
            Console.Write(table.ToConsole());
            Console.WriteLine(note);
            return table.ToMarkdown() + "\n" + note + "\n";
        }
        finally
        {
            foreach (var run in cached)
            {
                run?.Dispose();
            }
        }
    }

    private static AttentionReduction Reduction(ReductionSet set, ForwardOptions options) =>
        new((_, _) => new LayerReduction(set.Query, set.KeyValue, 0), options.Stride, options.Seed);

    /// <summary>Milliseconds of one call in its own dispose scope, the device synchronised around it.</summary>
    private static double Time(BenchDevice device, Action action)
    {
        using var scope = NewDisposeScope();
        device.Synchronize();
        var start = Stopwatch.GetTimestamp();
        action();
        device.Synchronize();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
