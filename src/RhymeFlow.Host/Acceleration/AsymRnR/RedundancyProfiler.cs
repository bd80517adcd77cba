using RhymeFlow.Core;
using RhymeFlow.Host.Models;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// Profiles a dense run for the profiled AsymRnR policy: at every (step, block) it records how redundant the
/// self-attention's queries, keys and values are (<see cref="TokenRedundancy"/>, under a split of the same stride, drawn afresh per step, block and feature;
/// keys are matched on themselves here, since the statistic describes each feature),
/// and leaves the attention dense. Give it to a run as <see cref="Execution.DenoiseRequest.AttentionPolicy"/>; the
/// run's latents are then the dense run's, bit for bit.
/// </summary>
/// <remarks>
/// Statistics of a (step, block) seen more than once (several runs, e.g. several prompts, or a step evaluated twice)
/// are averaged. Each record reads three values back from the device, so a profiled run waits on every block; it is
/// meant for profiling, not for production runs. Not thread-safe: one run at a time.
/// </remarks>
public sealed class RedundancyProfiler : ISelfAttentionPolicy
{
    private static readonly TokenFeatureKind[] Features = [TokenFeatureKind.Queries, TokenFeatureKind.Keys, TokenFeatureKind.Values];

    // Grouping a layout into windows is a sort of every token; a profiled run has one layout, drawn 3 × blocks × steps times.
    private readonly Dictionary<string, TokenWindows> windows = [];

    // [feature][layer][step] sums, and how many records each (layer, step) has.
    private readonly double[][][] sums;
    private readonly int[][] counts;

    /// <param name="layers">The model's blocks.</param>
    /// <param name="steps">The run's sampling steps.</param>
    /// <param name="stride">Window size of the split; null for <see cref="Reduction.DefaultStride"/> (2x2x2).</param>
    /// <param name="seed">Seed of the destination choice (mixed with the step, block and feature).</param>
    /// <param name="chunkBytes">Largest block of temporaries computed at once, in bytes.</param>
    public RedundancyProfiler(int layers, int steps, WindowStride? stride = null, long seed = 0, long chunkBytes = AttentionReduction.DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);

        // The AsymRnR settings check names a bad stride or chunk budget the way a reduction would.
        new AttentionReduction((_, _) => new LayerReduction(0, 0, 0), stride, seed, chunkBytes).Validate();
        (Layers, Steps, Stride, Seed, ChunkBytes) = (layers, steps, stride ?? Reduction.DefaultStride, seed, chunkBytes);
        sums = [.. Features.Select(_ => Table<double>())];
        counts = Table<int>();
    }

    public int Layers { get; }

    public int Steps { get; }

    public WindowStride Stride { get; }

    public long Seed { get; }

    public long ChunkBytes { get; }

    /// <summary>True once every (block, step) has been recorded at least once.</summary>
    public bool IsComplete => counts.All(row => row.All(count => count > 0));

    /// <summary>Queries' statistics [block][step]; NaN where never recorded.</summary>
    public double[][] Queries => Statistics(TokenFeatureKind.Queries);

    /// <summary>Keys' statistics [block][step]; NaN where never recorded.</summary>
    public double[][] Keys => Statistics(TokenFeatureKind.Keys);

    /// <summary>Values' statistics [block][step]; NaN where never recorded.</summary>
    public double[][] Values => Statistics(TokenFeatureKind.Values);

    /// <summary>Times (<paramref name="layer"/>, <paramref name="step"/>) was recorded.</summary>
    public int Records(int layer, int step) => counts[layer][step];

    /// <summary>A copy of one feature's mean statistics [block][step]; NaN where never recorded.</summary>
    public double[][] Statistics(TokenFeatureKind feature)
    {
        var table = sums[Array.IndexOf(Features, feature) is var f and >= 0
            ? f
            : throw new ArgumentOutOfRangeException(nameof(feature), feature, "Expected Queries, Keys or Values.")];
        return [.. table.Select((row, layer) => row.Select((sum, step) => counts[layer][step] == 0 ? double.NaN : sum / counts[layer][step]).ToArray())];
    }

    /// <summary>The <paramref name="levels"/> quantile tiers of the statistics, as the profiled policy reads them.</summary>
    /// <exception cref="InvalidOperationException">Some (block, step) was never recorded.</exception>
    public RedundancyTierTable ToTierTable(int levels)
    {
        for (var layer = 0; layer < Layers; layer++)
        {
            var step = Array.IndexOf(counts[layer], 0);
            if (step >= 0)
            {
                throw new InvalidOperationException(
                    $"Block {layer} at step {step} was never profiled: tiers need every block at every one of the {Steps} steps, which a dense run gives.");
            }
        }

        return RedundancyTierTable.FromStatistics(levels, Queries, Keys, Values);
    }

    /// <summary>Records every evaluation at <paramref name="step"/>, which attends densely.</summary>
    public ISelfAttentionReduction ForStep(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, Steps);
        return new ProfilingStep(this, step);
    }

    /// <summary>Adds one block's statistics at one step.</summary>
    internal void Record(int step, int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(queryTokens);
        ArgumentNullException.ThrowIfNull(keyValueTokens);
        if (layer < 0 || layer >= Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The profiler was made for {Layers} blocks (0..{Layers - 1}).");
        }

        var statistics = new[]
        {
            Statistic(step, layer, TokenFeatureKind.Queries, query, queryTokens),
            Statistic(step, layer, TokenFeatureKind.Keys, key, keyValueTokens),
            Statistic(step, layer, TokenFeatureKind.Values, value, keyValueTokens),
        };
        for (var f = 0; f < Features.Length; f++)
        {
            sums[f][layer][step] += statistics[f];
        }

        counts[layer][step]++;
    }

    private double Statistic(int step, int layer, TokenFeatureKind feature, Tensor features, VideoTokenLayout tokens)
    {
        var seed = SeedMix.Mix((ulong)Seed, (ulong)step, (ulong)layer, (ulong)feature);
        if (!windows.TryGetValue(tokens.Key, out var grouped))
        {
            grouped = TokenWindows.Of(tokens, Stride);
            windows[tokens.Key] = grouped;
        }

        return TokenRedundancy.MeanNearestCosine(features, grouped.Choose(seed), ChunkBytes);
    }

    private T[][] Table<T>() => [.. Enumerable.Range(0, Layers).Select(_ => new T[Steps])];
}
