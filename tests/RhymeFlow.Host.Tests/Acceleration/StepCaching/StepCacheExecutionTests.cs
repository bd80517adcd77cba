using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Execution;
using Xunit.Abstractions;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.StepCaching;

/// <summary>TeaCache and the first-block cache executed: the extreme thresholds, the core's decisions, leaks and cancellation.</summary>
public sealed class StepCacheExecutionTests(ITestOutputHelper output) : IDisposable
{
    // Identity rescale: the accumulated sum is the sum of the raw changes, whatever the model.
    private static readonly double[] Identity = [1.0, 0.0];
    private readonly StepCacheRuns runs = new();

    public static TheoryData<string, bool> CachesAndBatches => new()
    {
        { "teacache", false },
        { "teacache", true },
        { "first-block", false },
        { "first-block", true },
    };

    private static StepCache Cache(string kind, double threshold) =>
        kind == "teacache" ? (StepCache)StepCache.TeaCache(threshold, StepCachePolicies.Wan13BCoefficients) : StepCache.FirstBlock(threshold);

    [Theory]
    [MemberData(nameof(CachesAndBatches))]
    public void ThresholdZeroIsDenseBitForBit(string kind, bool batch)
    {
        using var dense = runs.Run(cache: null, batch);
        using var cached = runs.Run(Cache(kind, 0), batch);
        Assert.True(BitEqual(cached.Latents, dense.Latents));
        Assert.Null(dense.CacheTrace);
        var trace = Assert.IsType<StepCacheTrace>(cached.CacheTrace);
        Assert.Equal(12, trace.Steps.Count);
        Assert.Equal(12, trace.ComputedSteps);
        Assert.Equal(trace.TotalBlocks, trace.BlockEvaluations);
        Assert.Equal(12 * StepCacheRuns.Blocks, trace.TotalBlocks);
        Assert.All(trace.Steps, s => Assert.Equal(batch ? 4 : 2, s.RowInputChanges.Count));
    }

    [Theory]
    [MemberData(nameof(CachesAndBatches))]
    public void AHugeThresholdComputesOnlyTheForcedSteps(string kind, bool batch)
    {
        using var cached = runs.Run(Cache(kind, 1e12), batch);
        var trace = cached.CacheTrace!;
        Assert.True(cached.Latents.isfinite().all().item<bool>());
        if (kind == "teacache")
        {
            Assert.Equal([0, 11], trace.Steps.Where(s => s.BlocksComputed).Select(s => s.Step));
            Assert.Equal([3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], trace.Steps.Select(s => s.BlocksExecuted));
        }
        else
        {
            Assert.Equal([0], trace.Steps.Where(s => s.BlocksComputed).Select(s => s.Step));
            Assert.Equal([3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], trace.Steps.Select(s => s.BlocksExecuted));
        }

        Assert.Equal(trace.Steps.Sum(s => s.BlocksExecuted), trace.BlockEvaluations);
    }

    [Theory]
    [MemberData(nameof(CachesAndBatches))]
    public void TheExecutedStepsAreTheCorePolicysDecisionsOnTheRecordedChanges(string kind, bool batch)
    {
        // A threshold in the middle of the changes a dense run sees, so that the run both reuses and computes.
        using var probe = runs.Run(Cache(kind, 0), batch);
        var seen = probe.CacheTrace!.Steps.Select(s => s.InputChange).Where(double.IsFinite).Order().ToArray();
        var threshold = kind == "teacache" ? 2.5 * seen[seen.Length / 2] : seen[seen.Length / 2];
        StepCache cache = kind == "teacache" ? StepCache.TeaCache(threshold, Identity) : StepCache.FirstBlock(threshold);

        using var cached = runs.Run(cache, batch);
        var trace = cached.CacheTrace!;
        var rows = trace.Steps[0].RowInputChanges.Count;
        var state = kind == "teacache" ? StepCachePolicies.TeaCache(threshold, Identity, rows) : StepCachePolicies.FirstBlock(threshold, rows);
        var replayed = new List<bool>();
        foreach (var step in trace.Steps)
        {
            var decision = state.Decide(step.Step, 12, step.RowInputChanges);
            replayed.Add(decision.Compute);
            state = decision.Next;
        }

        output.WriteLine($"{cache}, B = {(batch ? 2 : 1)}: computed [{string.Join(" ", trace.Steps.Select(s => s.BlocksComputed ? 1 : 0))}]");
        Assert.Equal(replayed, trace.Steps.Select(s => s.BlocksComputed));
        Assert.Contains(false, replayed);
        Assert.True(trace.ComputedSteps >= 2);
        Assert.All(trace.Steps, s => Assert.Equal(s.BlocksComputed ? StepCacheRuns.Blocks : kind == "teacache" ? 0 : 1, s.BlocksExecuted));
    }

    [Fact]
    public void TheProbeComputesEveryStepAndMeasuresBothChanges()
    {
        using var dense = runs.Run(cache: null);
        using var probe = runs.Run(StepCache.TeaCacheProbe());
        Assert.True(BitEqual(probe.Latents, dense.Latents));
        var trace = probe.CacheTrace!;
        Assert.Equal(12, trace.ComputedSteps);
        Assert.True(double.IsNaN(trace.Steps[0].InputChange) && double.IsNaN(trace.Steps[0].OutputChange));
        Assert.All(trace.Steps.Skip(1), s => Assert.True(s.InputChange > 0 && s.OutputChange > 0));

        // Both CFG rows of the 11 later steps; cond and uncond share the timestep, hence the input change.
        var samples = TeaCacheCalibration.Samples(trace);
        Assert.Equal(22, samples.Count);
        Assert.All(trace.Steps.Skip(1), s => Assert.Equal(s.RowInputChanges[0], s.RowInputChanges[1]));
    }

    [Theory]
    [InlineData("teacache")]
    [InlineData("first-block")]
    public void ACacheComposesWithAsymRnR(string kind)
    {
        var reduced = runs.Request(StepCacheRuns.Dense, cache: null) with { Reduction = AttentionReduction.Uniform(0.5, 0.3) };
        using var alone = runs.Run(reduced);
        using var zero = runs.Run(reduced with { StepCache = Cache(kind, 0) });
        using var huge = runs.Run(reduced with { StepCache = Cache(kind, 1e12) });
        Assert.True(BitEqual(zero.Latents, alone.Latents));
        Assert.True(huge.CacheTrace!.ComputedSteps < 12);
        Assert.True(huge.Latents.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData("teacache")]
    [InlineData("first-block")]
    public void CancellingMidRunLeavesNoLiveTensors(string kind) =>
        DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(runs.Model, () => runs.Request(StepCacheRuns.Dense, Cache(kind, 0.5), batch: true));

    [Theory]
    [InlineData("teacache")]
    [InlineData("first-block")]
    [InlineData("probe")]
    public void CompletedRunsLeaveOnlyTheirResult(string kind) =>
        DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(
            runs.Model,
            () => runs.Request(StepCacheRuns.Dense, kind == "probe" ? StepCache.TeaCacheProbe() : Cache(kind, 0.5)));

    [Fact]
    public void AFailingRunLeavesNoLiveTensors()
    {
        var denoiser = new VideoDenoiser(runs.Model);
        using var warm = denoiser.Run(runs.Request(StepCacheRuns.Dense, Cache("first-block", 0.5)), _ => { }, CancellationToken.None);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var seen = 0;
        Assert.Throws<InvalidOperationException>(() => denoiser.Run(
            runs.Request(StepCacheRuns.Dense, Cache("first-block", 0.5)),
            _ =>
            {
                if (++seen == 4)
                {
                    throw new InvalidOperationException("a subscriber failed");
                }
            },
            CancellationToken.None));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AKeyframeScheduleWithACacheIsRejectedNamingBoth()
    {
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);
        var error = Assert.Throws<ArgumentException>(() => runs.Run(runs.Request(schedule, Cache("teacache", 0.1))));
        Assert.Contains("StepCache", error.Message);
        Assert.Contains("Schedule", error.Message);
        Assert.Contains("keyframe", error.Message);
    }

    [Fact]
    public void BadSettingsAreClearErrors()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => runs.Run(Cache("teacache", -0.1)));
        Assert.Contains("finite number >= 0", negative.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => runs.Run(StepCache.FirstBlock(double.NaN)));
        var empty = Assert.Throws<ArgumentException>(() => runs.Run(StepCache.TeaCache(0.1, [])));
        Assert.Contains("coefficients", empty.Message);
    }

    public void Dispose() => runs.Dispose();
}
