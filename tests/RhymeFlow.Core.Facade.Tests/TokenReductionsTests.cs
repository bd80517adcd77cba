using RhymeFlow.Core;
using Xunit;

namespace RhymeFlow.Core.Facade.Tests;

public sealed class TokenReductionsTests
{
    [Fact]
    public void RuleSkipsEarlyStepsAndShallowBlocks()
    {
        TokenReductionSchedule schedule = TokenReductions.Rule(0.5, 0.3, fromStepFraction: 0.2, fromBlock: 2).Compile(blocks: 4, steps: 10);

        Assert.Equal(0.0, schedule.At(step: 1, block: 3).Ratios.QueryRatio);
        Assert.Equal(0.0, schedule.At(step: 5, block: 1).Ratios.QueryRatio);
        ReductionSetting reduced = schedule.At(step: 5, block: 2);
        Assert.Equal(0.5, reduced.Ratios.QueryRatio);
        Assert.Equal(0.3, reduced.Ratios.KeyValueRatio);
        Assert.Equal(3, reduced.Window.Start);
        Assert.Equal([0, 3, 6, 9], schedule.Windows.Select(w => w.Start));
        Assert.False(schedule.IsIdentity);
        Assert.True(TokenReductions.None().Compile(4, 10).IsIdentity);
    }

    [Fact]
    public void RatiosBeyondTheStrideNameTheParameter()
    {
        var error = Assert.Throws<ArgumentException>(() => TokenReductions.Rule(0.9, 0.3));
        Assert.Equal("queryRatio", error.ParamName);
        Assert.Contains("[0, 0.875] (stride 2x2x2)", error.Message);

        Assert.Equal(0.9, TokenReductions.HunyuanBase().Compile(30, 50).At(0, 0).Ratios.QueryRatio);
        Assert.Equal("strideRows", Assert.Throws<ArgumentException>(() => TokenReductions.None().WithStride(2, 0, 2)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenReductions.None().Compile(4, 10).At(10, 0));
    }

    [Fact]
    public void ProfiledTiersMapToRatiosAndSurviveJson()
    {
        double[][] queries = [[0.1, 0.9], [0.5, 0.95]];
        double[][] keys = [[0.2, 0.8], [0.4, 0.6]];
        RedundancyTierTable tiers = RedundancyTierTable.FromStatistics(2, queries, keys, keys);
        Assert.Equal(1, tiers.Tier(TokenFeatureKind.Queries, block: 0, step: 1));
        Assert.Equal(0, tiers.Tier(TokenFeatureKind.Queries, block: 0, step: 0));

        TokenReductionSpec spec = TokenReductions.Profiled(tiers, [0.0, 0.6], [0.0, 0.3], reuseSteps: 2);
        TokenReductionSpec reread = TokenReductionSpec.FromJson(spec.ToJson());
        Assert.Equal(spec.ToJson(), reread.ToJson());
        Assert.Equal(ReductionPolicyKind.Profiled, reread.Kind);

        TokenReductionSchedule schedule = reread.Compile(blocks: 2, steps: 4);
        Assert.Equal(0.6, schedule.At(step: 2, block: 0).Ratios.QueryRatio);
        Assert.Equal(0.0, schedule.At(step: 0, block: 0).Ratios.QueryRatio);
        Assert.Equal(RedundancyTierTable.FromJson(tiers.ToJson()).ToJson(), tiers.ToJson());
    }

    [Fact]
    public void ReductionLowersThePredictedCostOfAPlan()
    {
        PlanView plan = Schedules.RhymeFlow().Compile(frames: 21, keyframes: [0, 20]);
        double rhymeFlow = plan.Cost(Geometries.Wan13B480p).Speedup;
        double combined = TokenReductions.Rule(0.5, 0.3).Compile(30, 50).Cost(plan, Geometries.Wan13B480p).Speedup;

        Assert.True(combined > rhymeFlow, $"RhymeFlow {rhymeFlow:F2}x, with AsymRnR {combined:F2}x");
    }
}
