using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class AttentionReductionTests
{
    [Fact]
    public void ACompiledCoreScheduleGivesEveryStepAndLayerItsRatiosWindowStrideAndSeed()
    {
        var spec = TokenReductions.Rule(0.5, 0.3, fromStepFraction: 0.5, fromBlock: 1, reuseSteps: 2, seed: 7, strideFrames: 4);
        var schedule = Schedules.Dense(steps: 6);
        var reduction = AttentionReduction.Compile(spec, blocks: 3, schedule);

        Assert.Equal(new WindowStride(4, 2, 2), reduction.WindowStride);
        Assert.Equal(7, reduction.Seed);
        Assert.True(reduction.Schedule(2, 2).IsDense);
        Assert.True(reduction.Schedule(4, 0).IsDense);
        var reduced = reduction.Schedule(5, 2);
        Assert.Equal((0.5, 0.3, 4), (reduced.Query, reduced.KeyValue, reduced.ReuseWindowStart));
    }

    [Fact]
    public void FewerStepsCompileOnTheShorterLadder()
    {
        var reduction = AttentionReduction.Compile(TokenReductions.Rule(0.5, 0.3), blocks: 2, Schedules.FewerSteps(4, baselineSteps: 10));
        Assert.Equal(0.5, reduction.Schedule(3, 1).Query);
        Assert.Throws<ArgumentOutOfRangeException>(() => reduction.Schedule(4, 0));
    }

    [Fact]
    public void AScheduleCompiledForAnotherModelOrLadderIsRejectedBeforeTheRun()
    {
        var reduction = AttentionReduction.Compile(TokenReductions.Rule(0.5, 0.3), blocks: 30, Schedules.Dense(steps: 10));
        Assert.Equal((30, 10), reduction.CompiledFor);
        reduction.CheckFits(30, 10);
        var error = Assert.Throws<ArgumentException>(() => reduction.CheckFits(2, 10));
        Assert.Equal("Reduction", error.ParamName);
        Assert.Contains("compiled for 30 blocks and 10 steps; this run has 2 blocks and 10 steps", error.Message);
        AttentionReduction.Uniform(0.5, 0.3).CheckFits(2, 7);
    }

    [Fact]
    public void AProfileOfAnotherBlockCountNamesTheBlocks()
    {
        double[][] cells = [[0.1, 0.2], [0.3, 0.4]];
        var spec = TokenReductions.Profiled(RedundancyTierTable.FromStatistics(2, cells, cells, cells), [0.0, 0.5], [0.0, 0.3]);
        var error = Assert.Throws<ArgumentException>(() => AttentionReduction.Compile(spec, blocks: 30, Schedules.Dense(steps: 4)));
        Assert.Contains("tiers.blocks = 2 is out of range: expected 30 (the model's blocks)", error.Message);
    }

    [Theory]
    [InlineData(0, 2, 2)]
    [InlineData(2, -1, 2)]
    [InlineData(2, 2, 0)]
    public void AStrideBelowOneIsRejectedWithItsValue(int frames, int rows, int columns)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.3) with { Stride = new WindowStride(frames, rows, columns) }));
        Assert.Equal("Stride", error.ParamName);
        Assert.Contains($"{frames}x{rows}x{columns}", error.Message);
    }
}
