using RhymeFlow.Host.Acceleration.AsymRnR;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class LayerReductionTests
{
    [Theory]
    [InlineData(-0.1, 0.3, "query")]
    [InlineData(1.0, 0.3, "query")]
    [InlineData(double.NaN, 0.3, "query")]
    [InlineData(0.5, 1.0, "keyValue")]
    [InlineData(0.5, -1e-9, "keyValue")]
    [InlineData(0.5, double.PositiveInfinity, "keyValue")]
    public void RatiosOutsideZeroToOneAreRejectedByName(double query, double keyValue, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LayerReduction(query, keyValue, 0));
        Assert.Equal(name, error.ParamName);
        Assert.Contains("[0, 1)", error.Message);
    }

    [Fact]
    public void ANegativeWindowStartIsRejected() =>
        Assert.Equal("reuseWindowStart", Assert.Throws<ArgumentOutOfRangeException>(() => new LayerReduction(0.5, 0.5, -1)).ParamName);

    [Fact]
    public void UniformValidatesItsRatiosAndReuseSteps()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReduction.Uniform(1.5, 0));
        Assert.Equal("reuseSteps", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReduction.Uniform(0.5, 0.5, reuseSteps: 0)).ParamName);
        var reduction = AttentionReduction.Uniform(0.5, 0.25, reuseSteps: 3);
        Assert.Equal([0, 0, 0, 3, 3, 3, 6], Enumerable.Range(0, 7).Select(step => reduction.Schedule(step, 1).ReuseWindowStart));
        Assert.Equal(0.25, reduction.Schedule(4, 0).KeyValue);
    }

    [Fact]
    public void ANonPositiveChunkBudgetIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5) with { ChunkBytes = 0 }));
        Assert.Equal("ChunkBytes", error.ParamName);
    }
}
