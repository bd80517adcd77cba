using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Execution;
using Xunit.Abstractions;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

/// <summary>The redundancy profiler: a dense run that records per-(block, step) Q/K/V similarity statistics.</summary>
public sealed class RedundancyProfilerTests(ITestOutputHelper output) : IDisposable
{
    private const int Steps = 6;
    private static readonly ScheduleSpec DenseSchedule = Schedules.Dense(steps: Steps);
    private readonly TinyRun run = new();

    [Fact]
    public void AProfiledRunIsTheDenseRunBitForBitAndFillsEveryBlockAndStep()
    {
        var (dense, _) = run.Run(DenseSchedule);
        using var denseLatents = dense;
        var layers = run.Model.Config.NumLayers;
        var profiler = new RedundancyProfiler(layers, Steps);
        var denoiser = new VideoDenoiser(run.Model);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var profiled = denoiser.Run(run.Request(DenseSchedule) with { AttentionPolicy = profiler }, _ => { }, CancellationToken.None);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        Assert.True(BitEqual(profiled.Latents, denseLatents.Latents));
        Assert.True(profiler.IsComplete);
        foreach (var table in new[] { profiler.Queries, profiler.Keys, profiler.Values })
        {
            Assert.Equal(layers, table.Length);
            Assert.All(table, row =>
            {
                Assert.Equal(Steps, row.Length);
                Assert.All(row, value => Assert.InRange(value, -1.0, 1.0));
            });
        }

        Assert.All(Enumerable.Range(0, layers), layer => Assert.All(Enumerable.Range(0, Steps), step => Assert.Equal(1, profiler.Records(layer, step))));
        output.WriteLine($"wan-tiny dense {Steps} steps, block 0 queries: {string.Join(", ", profiler.Queries[0].Select(v => v.ToString("F4")))}");

        var tiers = profiler.ToTierTable(3);
        Assert.Equal((3, layers, Steps), (tiers.Levels, tiers.Blocks, tiers.Steps));
        Assert.Equal(tiers.ToJson(), RedundancyTierTable.FromJson(tiers.ToJson()).ToJson());
    }

    [Fact]
    public void TheStatisticEqualsAFullDistanceMatrixReference()
    {
        var split = TokenSplit.Choose(Grid(3, 5, 7), Reduction.DefaultStride, 5);
        using var features = Features(2, 3, split.Count, 8, seed: 9);

        // A budget of a few sources per chunk exercises the chunked matching and similarities.
        var statistic = TokenRedundancy.MeanNearestCosine(features, split, chunkBytes: 1024);

        using var scope = NewDisposeScope();
        var exact = features.to(ScalarType.Float64);
        var sources = exact.index_select(2, tensor(split.Sources));
        var destinations = exact.index_select(2, tensor(split.Destinations));
        var nearest = cdist(sources, destinations).argmin(-1);
        var matched = destinations.gather(2, nearest.unsqueeze(-1).expand(-1, -1, -1, 8));
        var cosine = (sources * matched).sum(-1) / (sources.norm(-1) * matched.norm(-1));
        Assert.Equal(cosine.mean().item<double>(), statistic, 6);
    }

    [Fact]
    public void IdenticalTokensHaveStatisticOneAndNoSourcesHaveZero()
    {
        var split = TokenSplit.Choose(Grid(2, 4, 4), Reduction.DefaultStride, 1);
        using var token = Features(2, 3, 1, 8, seed: 3);
        using var identical = token.expand(-1, -1, split.Count, -1).contiguous();
        Assert.Equal(1.0, TokenRedundancy.MeanNearestCosine(identical, split, AttentionReduction.DefaultChunkBytes), 6);

        var single = TokenSplit.Choose(Grid(1, 1, 1), Reduction.DefaultStride, 1);
        Assert.Equal(0.0, TokenRedundancy.MeanNearestCosine(token, single, AttentionReduction.DefaultChunkBytes));
    }

    [Fact]
    public void RecordingLeavesNoLiveTensorsAndAttendsDensely()
    {
        var layout = Grid(3, 4, 4);
        using var query = Features(2, 2, layout.Count, 8, seed: 11);
        using var key = Features(2, 2, layout.Count, 8, seed: 12);
        using var value = Features(2, 2, layout.Count, 8, seed: 13);
        using var dense = Sdpa(query, key, value);
        var profiler = new RedundancyProfiler(layers: 2, steps: 3, chunkBytes: 2048);
        using (profiler.ForStep(0).Attend(0, query, key, value, layout, layout, Sdpa))
        {
        }

        // Only the two attention outputs stay alive: the statistics' temporaries are gone.
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var attended = Enumerable.Range(0, 2).Select(layer => profiler.ForStep(1).Attend(layer, query, key, value, layout, layout, Sdpa)).ToList();
        Assert.Equal(before + 2, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.All(attended, result =>
        {
            using (result)
            {
                Assert.True(BitEqual(result, dense));
            }
        });
    }

    [Fact]
    public void ACellSeenTwiceIsAveragedAndMissingCellsAreNaNAndBlockTiers()
    {
        var layout = Grid(2, 4, 4);
        using var first = Features(1, 2, layout.Count, 8, seed: 21);
        using var same = first.clone();
        var profiler = new RedundancyProfiler(layers: 1, steps: 2);
        using (profiler.ForStep(0).Attend(0, first, first, first, layout, layout, Sdpa))
        {
        }

        var once = profiler.Queries[0][0];
        using (profiler.ForStep(0).Attend(0, same, same, same, layout, layout, Sdpa))
        {
        }

        Assert.Equal(2, profiler.Records(0, 0));
        Assert.Equal(once, profiler.Queries[0][0], 12);
        Assert.True(double.IsNaN(profiler.Values[0][1]));
        Assert.False(profiler.IsComplete);
        var error = Assert.Throws<InvalidOperationException>(() => profiler.ToTierTable(2));
        Assert.Contains("Block 0 at step 1", error.Message);
    }

    [Fact]
    public void StepsAndBlocksOutsideTheProfileAreRejected()
    {
        var layout = Grid(1, 2, 2);
        using var features = Features(1, 1, layout.Count, 4, seed: 1);
        var profiler = new RedundancyProfiler(layers: 2, steps: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => profiler.ForStep(3));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => profiler.ForStep(0).Attend(2, features, features, features, layout, layout, Sdpa));
        Assert.Equal("layer", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedundancyProfiler(layers: 0, steps: 3));
    }

    [Fact]
    public void APolicyAndAReductionTogetherAreRejected()
    {
        var request = run.Request(DenseSchedule) with
        {
            Reduction = AttentionReduction.Uniform(0.5, 0.3),
            AttentionPolicy = new RedundancyProfiler(run.Model.Config.NumLayers, Steps),
        };
        var error = Assert.Throws<ArgumentException>(() => new VideoDenoiser(run.Model).Run(request, _ => { }, CancellationToken.None));
        Assert.Equal(nameof(DenoiseRequest.AttentionPolicy), error.ParamName);
        Assert.Contains("Reduction", error.Message);
    }

    public void Dispose() => run.Dispose();
}
