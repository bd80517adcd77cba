using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// How redundant a token sequence is for AsymRnR: the mean, over batch rows, heads and sources, of the cosine
/// similarity between each source token and its Euclidean-nearest destination. Near 1, merging sources into their
/// destinations loses little; the profiled policy removes more where it is higher.
/// </summary>
internal static class TokenRedundancy
{
    /// <summary>Float32 temporaries per source element of a chunk: the source, its nearest destination and a product.</summary>
    private const long TemporariesPerElement = 3;

    /// <summary>The statistic of <paramref name="features"/> [B, H, N, D] under <paramref name="split"/>; 0 when there are no sources (nothing could be removed).</summary>
    /// <param name="features">[B, H, N, D]: queries, keys or values.</param>
    /// <param name="split">Which positions are destinations and which sources (N in all).</param>
    /// <param name="chunkBytes">Budget of one chunk's temporaries, for the matching and for the similarities alike.</param>
    /// <remarks>Reads one value back from the features' device: the caller's step waits for it.</remarks>
    public static double MeanNearestCosine(Tensor features, TokenSplit split, long chunkBytes)
    {
        using var scope = NewDisposeScope();
        using var match = TokenMatching.Match(features, split, chunkBytes);
        if (match.SourceCount == 0)
        {
            return 0;
        }

        var (batch, heads, dim) = (features.shape[0], features.shape[1], features.shape[3]);
        var destinations = features.index_select(2, match.Destinations).to(ScalarType.Float32);
        var rows = (int)Math.Clamp(chunkBytes / (batch * heads * dim * sizeof(float) * TemporariesPerElement), 1, int.MaxValue);
        var total = zeros(1, ScalarType.Float64, features.device);
        for (var start = 0; start < match.SourceCount; start += rows)
        {
            using var chunkScope = NewDisposeScope();
            var length = Math.Min(rows, match.SourceCount - start);
            var sources = features.index_select(2, match.Sources.narrow(0, start, length)).to(ScalarType.Float32);
            var nearest = match.Nearest.narrow(2, start, length).unsqueeze(-1).expand(-1, -1, -1, dim);
            var similarity = nn.functional.cosine_similarity(sources, destinations.gather(2, nearest), dim: -1);
            total.add_(similarity.to(ScalarType.Float64).sum(), Scalars.One);
        }

        return total.item<double>() / (batch * heads * match.SourceCount);
    }
}
