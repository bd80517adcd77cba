using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Models;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class AsymRnRRunTests
{
    private const int Heads = 3;
    private const int Dim = 8;

    [Theory]
    [InlineData(3, 5, 7, 0.5, 0.3)]
    [InlineData(1, 5, 7, 0.5, 0.3)]
    [InlineData(3, 5, 7, 0.0, 0.6)]
    [InlineData(3, 5, 7, 0.7, 0.0)]
    [InlineData(1, 1, 1, 0.5, 0.5)]
    public void AttentionSeesTheReducedLengthsAndEveryQueryGetsARow(int frames, int height, int width, double queryRatio, double keyValueRatio)
    {
        var layout = Grid(frames, height, width);
        var tokens = layout.Count;
        using var run = new AsymRnRRun(AttentionReduction.Uniform(queryRatio, keyValueRatio));
        using var query = Features(2, Heads, tokens, Dim, 1);
        using var key = Features(2, Heads, tokens, Dim, 2);
        using var value = Features(2, Heads, tokens, Dim, 3);
        var seen = new List<(long Queries, long Keys, long Values)>();

        using var output = run.ForStep(0).Attend(0, query, key, value, layout, layout, (q, k, v) =>
        {
            seen.Add((q.shape[2], k.shape[2], v.shape[2]));
            return Sdpa(q, k, v);
        });

        var destinations = TokenSplit.Choose(layout, Reduction.DefaultStride, 0).Destinations.Length;
        var queries = queryRatio == 0 ? tokens : destinations + TokenReduction.KeptSources(tokens, destinations, queryRatio);
        var keyValues = keyValueRatio == 0 ? tokens : destinations + TokenReduction.KeptSources(tokens, destinations, keyValueRatio);
        Assert.Equal([(queries, keyValues, keyValues)], seen);
        Assert.Equal([2L, Heads, tokens, Dim], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void KeyframeOnlyKeyValuesAreTheActiveFramesThenTheContext()
    {
        VideoTokenLayout queries = new([1, 3], 4, 4);
        VideoTokenLayout keyValues = new([1, 3, 0, 2, 4], 4, 4);
        using var run = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        using var query = Features(2, Heads, queries.Count, Dim, 1);
        using var key = Features(2, Heads, keyValues.Count, Dim, 2);
        using var value = Features(2, Heads, keyValues.Count, Dim, 3);
        var seen = new List<(long Queries, long Keys)>();
        using var output = run.ForStep(0).Attend(1, query, key, value, queries, keyValues, (q, k, v) =>
        {
            seen.Add((q.shape[2], k.shape[2]));
            return Sdpa(q, k, v);
        });

        // Queries: 2 frames of 4x4 in 2x2x2 windows = 4 windows, ⌊32·0.5⌋ − 4 = 12 kept sources. K/V: 3·2·2 = 12 windows, ⌊80·0.5⌋ − 12 = 28.
        Assert.Equal([(16L, 40L)], seen);
        Assert.Equal([2L, Heads, 32, Dim], output.shape);
    }

    [Fact]
    public void AZeroRatioIsTheDenseAttentionBitForBit()
    {
        var layout = Grid(3, 5, 7);
        using var run = new AsymRnRRun(AttentionReduction.Uniform(0, 0));
        using var query = Features(2, Heads, layout.Count, Dim, 1);
        using var key = Features(2, Heads, layout.Count, Dim, 2);
        using var value = Features(2, Heads, layout.Count, Dim, 3);
        using var dense = Sdpa(query, key, value);
        using var reduced = run.ForStep(0).Attend(0, query, key, value, layout, layout, Sdpa);
        Assert.True(BitEqual(reduced, dense));
        Assert.Equal(0, run.CachedMatchings);
    }

    [Fact]
    public void AReuseWindowKeepsItsIndicesAcrossStepsAndRatiosAndANewWindowReSplits()
    {
        var layout = Grid(4, 6, 6);
        var ratios = new[] { (0.5, 0.3), (0.3, 0.6), (0.7, 0.2), (0.5, 0.3) };
        using var run = new AsymRnRRun(new AttentionReduction((step, _) => new LayerReduction(ratios[step].Item1, ratios[step].Item2, step < 3 ? 0 : 3)));
        (long[] Destinations, long[] Nearest, long[] Order) Indices(int layer, ReducedSide feature)
        {
            var match = run.CachedMatch(layer, feature, layout, 2)!;
            return (match.Split.Destinations, Values(match.Nearest), Values(match.Order));
        }

        var perStep = new List<Dictionary<(int, ReducedSide), (long[], long[], long[])>>();
        for (var step = 0; step < 4; step++)
        {
            // Different features every step: within a window the matching must not follow them.
            using var query = Features(2, Heads, layout.Count, Dim, (10 * step) + 1);
            using var value = Features(2, Heads, layout.Count, Dim, (10 * step) + 2);
            var reduction = run.ForStep(step);
            for (var layer = 0; layer < 2; layer++)
            {
                using var output = reduction.Attend(layer, query, value, value, layout, layout, Sdpa);
            }

            perStep.Add(new()
            {
                [(0, ReducedSide.Query)] = Indices(0, ReducedSide.Query),
                [(0, ReducedSide.KeyValue)] = Indices(0, ReducedSide.KeyValue),
                [(1, ReducedSide.Query)] = Indices(1, ReducedSide.Query),
                [(1, ReducedSide.KeyValue)] = Indices(1, ReducedSide.KeyValue),
            });
            Assert.Equal(4, run.CachedMatchings);
        }

        foreach (var key in perStep[0].Keys)
        {
            foreach (var later in perStep[1..3])
            {
                Assert.Equal(perStep[0][key].Item1, later[key].Item1);
                Assert.Equal(perStep[0][key].Item2, later[key].Item2);
                Assert.Equal(perStep[0][key].Item3, later[key].Item3);
            }
        }

        Assert.Contains(perStep[0].Keys, key => !perStep[0][key].Item1.SequenceEqual(perStep[3][key].Item1));
        Assert.All(perStep[0].Keys, key => Assert.NotEqual(perStep[0][key].Item2, perStep[3][key].Item2));
    }

    [Fact]
    public void ALayerThatTurnsDenseInANewWindowReleasesItsMatchings()
    {
        var layout = Grid(3, 5, 7);
        using var query = Features(2, Heads, layout.Count, Dim, 1);
        using var value = Features(2, Heads, layout.Count, Dim, 2);

        // Reduced in the first window (steps 0-1), dense from step 2 on.
        using var run = new AsymRnRRun(new AttentionReduction((step, _) => step < 2 ? new LayerReduction(0.5, 0.4, 0) : new LayerReduction(0, 0, 2)));
        using (var output = run.ForStep(0).Attend(0, query, value, value, layout, layout, Sdpa))
        {
            Assert.Equal(2, run.CachedMatchings);
        }

        using (var output = run.ForStep(1).Attend(0, query, value, value, layout, layout, Sdpa))
        {
            Assert.Equal(2, run.CachedMatchings);
        }

        using (var output = run.ForStep(2).Attend(0, query, value, value, layout, layout, Sdpa))
        {
            Assert.Equal(0, run.CachedMatchings);
        }
    }

    [Fact]
    public void ReducedStepsAndDisposalLeaveNoLiveTensors()
    {
        var layout = Grid(3, 5, 7);
        using var query = Features(2, Heads, layout.Count, Dim, 1);
        using var value = Features(2, Heads, layout.Count, Dim, 2);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var run = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.4, reuseSteps: 2));
        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            run.ForStep(step).Attend(0, query, value, value, layout, layout, Sdpa);
        }

        Assert.Equal(2, run.CachedMatchings);
        run.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void TensorsThatDoNotFitTheirLayoutAreRejected()
    {
        var layout = Grid(3, 5, 7);
        using var run = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        using var query = Features(1, Heads, layout.Count - 1, Dim, 1);
        using var value = Features(1, Heads, layout.Count, Dim, 2);
        var error = Assert.Throws<ArgumentException>(() => run.ForStep(0).Attend(0, query, value, value, layout, layout, Sdpa));
        Assert.Equal("query", error.ParamName);
        Assert.Contains("[B, H, 105, D]", error.Message);
        Assert.Contains("3 frames of 5x7", error.Message);
    }

    [Fact]
    public void ABadScheduleEntryNamesTheRatio()
    {
        var reduction = new AttentionReduction((step, layer) => new LayerReduction(step == 2 ? 1.0 : 0.5, 0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => reduction.Schedule(2, 0));
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => new AsymRnRRun(reduction).ForStep(-1)).ParamName);
    }
}
