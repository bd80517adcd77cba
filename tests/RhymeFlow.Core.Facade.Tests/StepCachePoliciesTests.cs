using RhymeFlow.Core;
using Xunit;

namespace RhymeFlow.Core.Facade.Tests;

public sealed class StepCachePoliciesTests
{
    [Fact]
    public void TeaCacheComputesTheForcedStepsAndAccumulatesInBetween()
    {
        // Coefficients [1, 0]: the rescaled change is the change itself.
        var state = StepCachePolicies.TeaCache(threshold: 0.25, coefficients: [1.0, 0.0], rows: 2);
        var decisions = new List<bool>();
        foreach (var (step, change) in new[] { (0, double.NaN), (1, 0.1), (2, 0.1), (3, 0.1), (4, 0.1) })
        {
            var decision = state.Decide(step, steps: 5, [change, change]);
            decisions.Add(decision.Compute);
            state = decision.Next;
        }

        // 0.1, 0.2 reuse; 0.3 computes and resets; the last step is forced.
        Assert.Equal([true, false, false, true, true], decisions);
        Assert.Equal([0.0, 0.0], state.Accumulated);
    }

    [Fact]
    public void OneRowThatComputesMakesTheBatchComputeAndResetsEveryRow()
    {
        var state = StepCachePolicies.FirstBlock(threshold: 0.1, rows: 2).Decide(0, 10, [double.NaN, double.NaN]).Next;
        var decision = state.Decide(1, 10, [0.05, 0.5]);
        Assert.True(decision.Compute);
        Assert.Equal([false, true], decision.RowsCompute);
        Assert.False(decision.Next.Decide(2, 10, [0.05, 0.05]).Compute);
    }

    [Fact]
    public void BadSettingsNameTheParameter()
    {
        Assert.Equal("threshold", Assert.Throws<ArgumentException>(() => StepCachePolicies.TeaCache(-1, [1.0], 2)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentException>(() => StepCachePolicies.FirstBlock(double.NaN, 2)).ParamName);
        Assert.Equal("coefficients", Assert.Throws<ArgumentException>(() => StepCachePolicies.TeaCache(0.1, [], 2)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => StepCachePolicies.FirstBlock(0.1, 0)).ParamName);
        Assert.Equal("changes", Assert.Throws<ArgumentException>(() => StepCachePolicies.FirstBlock(0.1, 2).Decide(0, 5, [0.0])).ParamName);
    }

    [Fact]
    public void TheRescaleIsClampedAtZero()
    {
        Assert.Equal(0.0, StepCachePolicies.Rescale(StepCachePolicies.Wan13BCoefficients, 0.263));
        Assert.Equal(5, StepCachePolicies.Wan13BCoefficients.Count);
    }
}
