using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// Nearest destination of every source by Euclidean distance, per (batch row, head), on the features' device.
/// </summary>
/// <remarks>
/// Sources are taken in chunks so that the source-by-destination distances never exist at once: at 32760 tokens,
/// 12 heads and batch 2 the whole matrix would take about 11 GB. Distances use ‖s‖² + ‖d‖² − 2·s·d in float32.
/// </remarks>
internal static class TokenMatching
{
    /// <summary>Float32 temporaries per distance element: the distances and the dot products.</summary>
    private const long TemporariesPerElement = 2;

    /// <param name="features">[B, H, N, D]: what tokens are compared on (queries, or values for keys/values).</param>
    /// <param name="split">Which positions are destinations and which sources (N in all).</param>
    /// <param name="chunkBytes">Budget of one chunk's distance temporaries.</param>
    public static TokenMatch Match(Tensor features, TokenSplit split, long chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(split);
        if (features.ndim != 4 || features.shape[2] != split.Count)
        {
            throw new ArgumentException(
                $"features must be [B, H, {split.Count}, D] to match the split's {split.Count} tokens, got [{string.Join(", ", features.shape)}]",
                nameof(features));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        using var scope = NewDisposeScope();
        var device = features.device;
        var (batch, heads) = (features.shape[0], features.shape[1]);
        var destinations = tensor(split.Destinations, device: device);
        var sources = tensor(split.Sources, device: device);
        var sourceCount = split.Sources.Length;
        if (sourceCount == 0)
        {
            var none = empty([batch, heads, 0], ScalarType.Int64, device);
            return new TokenMatch(split, destinations, sources, none, none.clone());
        }

        var destination = features.index_select(2, destinations).to(ScalarType.Float32);
        var destinationNorms = destination.pow(Scalars.Two).sum(-1).unsqueeze(-2);
        var destinationT = destination.transpose(-1, -2);
        var rows = ChunkRows(batch * heads * split.Destinations.Length, chunkBytes);
        var nearest = new List<Tensor>();
        var distances = new List<Tensor>();
        for (var start = 0; start < sourceCount; start += rows)
        {
            using var chunkScope = NewDisposeScope();
            var length = Math.Min(rows, sourceCount - start);
            var source = features.index_select(2, sources.narrow(0, start, length)).to(ScalarType.Float32);
            var squared = source.matmul(destinationT).mul_(Scalars.MinusTwo).add_(destinationNorms, Scalars.One)
                .add_(source.pow(Scalars.Two).sum(-1, keepdim: true), Scalars.One);
            var (distance, index) = squared.min(-1);
            nearest.Add(index.MoveToOuterDisposeScope());
            distances.Add(distance.MoveToOuterDisposeScope());
        }

        var order = cat(distances, 2).sort(-1, descending: true, stable: true).Indices;
        return new TokenMatch(split, destinations, sources, cat(nearest, 2), order);
    }

    /// <summary>Sources per chunk: as many as fit the budget, at least one.</summary>
    private static int ChunkRows(long distancesPerSource, long chunkBytes) =>
        (int)Math.Clamp(chunkBytes / (distancesPerSource * sizeof(float) * TemporariesPerElement), 1, int.MaxValue);
}
