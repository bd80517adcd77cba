using System.Diagnostics;

using RhymeFlow.Host.Benchmarking;

namespace RhymeFlow.Bench.Shared;

/// <summary>Milliseconds of repeated runs and their summary.</summary>
internal sealed record Timing(IReadOnlyList<double> Milliseconds)
{
    public double Median
    {
        get
        {
            var sorted = Milliseconds.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    public double Min => Milliseconds.Min();

    public double Max => Milliseconds.Max();

    /// <summary>
    /// Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="runs"/> times timed.
    /// Each call gets its own dispose scope, and the device is synchronised before both clock readings.
    /// </summary>
    /// <param name="beforeTimed">Called once between the warm-up and the timed runs (e.g. to reset a memory peak).</param>
    public static Timing Measure(BenchDevice device, int warmup, int runs, Action action, Action? beforeTimed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        for (var i = 0; i < warmup; i++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            action();
            device.Synchronize();
        }

        beforeTimed?.Invoke();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            device.Synchronize();
            var start = Stopwatch.GetTimestamp();
            action();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return new Timing(times);
    }
}
