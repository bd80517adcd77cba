using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class TokenMatchingTests
{
    [Fact]
    public void ChunkedMatchingEqualsOneChunk()
    {
        var split = TokenSplit.Choose(Grid(3, 5, 7), Reduction.DefaultStride, 3);
        using var features = Features(2, 3, split.Count, 8, seed: 1);
        using var oneSourceAtATime = TokenMatching.Match(features, split, chunkBytes: 1);
        using var wholeMatrix = TokenMatching.Match(features, split, chunkBytes: 1L << 30);
        Assert.True(BitEqual(oneSourceAtATime.Nearest, wholeMatrix.Nearest));
        Assert.True(BitEqual(oneSourceAtATime.Order, wholeMatrix.Order));
    }

    [Fact]
    public void MatchingEqualsTheFullDistanceMatrixReference()
    {
        var split = TokenSplit.Choose(Grid(3, 5, 7), Reduction.DefaultStride, 4);
        using var features = Features(2, 3, split.Count, 8, seed: 2);
        using var match = TokenMatching.Match(features, split, chunkBytes: 4096);

        using var scope = NewDisposeScope();
        var exact = features.to(ScalarType.Float64);
        var sources = exact.index_select(2, tensor(split.Sources));
        var destinations = exact.index_select(2, tensor(split.Destinations));
        var distances = cdist(sources, destinations);
        Assert.True(BitEqual(distances.argmin(-1), match.Nearest));

        // Kept first: each source's distance to its destination never grows along the order.
        var ordered = distances.min(-1).values.gather(2, match.Order);
        Assert.True(ordered.diff(dim: -1).le(1e-5).all().item<bool>());
    }

    [Fact]
    public void FeaturesThatDoNotFitTheSplitAreRejected()
    {
        var split = TokenSplit.Choose(Grid(2, 3, 3), Reduction.DefaultStride, 4);
        using var features = Features(1, 2, split.Count + 1, 8, seed: 2);
        var error = Assert.Throws<ArgumentException>(() => TokenMatching.Match(features, split, 1024));
        Assert.Contains($"[B, H, {split.Count}, D]", error.Message);
        Assert.Equal("features", error.ParamName);
    }
}
