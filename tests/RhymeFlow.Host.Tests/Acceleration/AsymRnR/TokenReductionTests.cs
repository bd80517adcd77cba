using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class TokenReductionTests
{
    [Theory]
    [InlineData(105, 24, 0.0, 81)]
    [InlineData(105, 24, 0.5, 28)] // ⌊52.5⌋ − 24
    [InlineData(105, 24, 0.3, 49)] // ⌊73.5⌋ − 24
    [InlineData(105, 24, 0.9, 0)] // ⌊10.5⌋ − 24 < 0
    [InlineData(8, 1, 0.875, 0)]
    [InlineData(1, 1, 0.5, 0)]
    public void KeptSourcesIsTheFloorOfTheKeptTokensLessTheDestinationsClamped(int tokens, int destinations, double ratio, int expected) =>
        Assert.Equal(expected, TokenReduction.KeptSources(tokens, destinations, ratio));

    [Fact]
    public void KeptSourcesRejectsARatioOfOne() =>
        Assert.Equal("ratio", Assert.Throws<ArgumentOutOfRangeException>(() => TokenReduction.KeptSources(10, 2, 1.0)).ParamName);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    [InlineData(0.95)]
    public void RestorePutsEveryKeptTokenBackAndCopiesDestinationsIntoDroppedOnes(double ratio)
    {
        var split = TokenSplit.Choose(Grid(3, 5, 7), Reduction.DefaultStride, 8);
        using var features = Features(2, 3, split.Count, 8, seed: 5);
        using var match = TokenMatching.Match(features, split, chunkBytes: 4096);
        var kept = TokenReduction.KeptSources(split.Count, split.Destinations.Length, ratio);

        using var scope = NewDisposeScope();
        var positions = TokenReduction.KeptPositions(match, kept);
        var reduced = TokenReduction.Gather(features, positions);
        Assert.Equal([2L, 3, split.Destinations.Length + kept, 8], reduced.shape);
        var restored = TokenReduction.Gather(reduced, TokenReduction.RestoreRows(match, kept));
        Assert.Equal(features.shape, restored.shape);

        // Per (b, h): a kept token's own row, a dropped source's nearest destination's row.
        var nearest = Values(match.Nearest);
        var order = Values(match.Order);
        var (sourceCount, tokens) = (split.Sources.Length, split.Count);
        var expectedPositions = new long[2 * 3 * tokens];
        for (var row = 0; row < 2 * 3; row++)
        {
            for (var p = 0; p < tokens; p++)
            {
                expectedPositions[(row * tokens) + p] = p;
            }

            for (var rank = kept; rank < sourceCount; rank++)
            {
                var source = (int)order[(row * sourceCount) + rank];
                var destination = split.Destinations[nearest[(row * sourceCount) + source]];
                expectedPositions[(row * tokens) + split.Sources[source]] = destination;
            }
        }

        var expected = TokenReduction.Gather(features, tensor(expectedPositions).view(2, 3, tokens));
        Assert.True(BitEqual(restored, expected));
        Assert.True(BitEqual(TokenReduction.Gather(restored, positions), reduced));
    }

    [Fact]
    public void EveryHeadKeepsItsOwnTokens()
    {
        var split = TokenSplit.Choose(Grid(2, 6, 6), Reduction.DefaultStride, 1);
        using var features = Features(1, 4, split.Count, 8, seed: 6);
        using var match = TokenMatching.Match(features, split, chunkBytes: 1 << 20);
        using var positions = TokenReduction.KeptPositions(match, TokenReduction.KeptSources(split.Count, split.Destinations.Length, 0.5));
        var perHead = Enumerable.Range(0, 4).Select(h => string.Join(",", Values(positions[0, h]).Order())).ToArray();
        Assert.True(perHead.Distinct().Count() > 1, "all heads kept the same tokens");
    }
}
