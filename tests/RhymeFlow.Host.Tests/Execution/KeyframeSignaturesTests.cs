using RhymeFlow.Core;
using RhymeFlow.Host.Execution;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class KeyframeSignaturesTests
{
    // Semantic selection (threshold 0.98) of 3 keyframes among 5 frames.
    private static readonly PreparedPlan Prepared = Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 3).Prepare(5);

    [Theory]
    [InlineData(1.0, 10.0, new[] { 0, 3, 4 })]
    [InlineData(10.0, 1.0, new[] { 0, 1, 4 })]
    public void ABatchSelectsFromTheBatchMeanOfTheFrameSignatures(double firstScale, double secondScale, int[] expected)
    {
        // Clip 0 turns by 60° at frame 1, clip 1 at frame 3; alone they select {0, 1, 4} and {0, 3, 4}. Their mean
        // follows the larger clip, so swapping the scales swaps the choice: neither clip's own, nor an average of unit
        // signatures (which ignores the scales), would pass both cases.
        using var first = Turning(turnAt: 1, firstScale);
        using var second = Turning(turnAt: 3, secondScale);
        using var batch = cat([first, second], 0);
        using var mean = batch.mean([0], keepdim: true);

        Assert.Equal([0, 1, 4], KeyframeSignatures.Select(Prepared, first));
        Assert.Equal([0, 3, 4], KeyframeSignatures.Select(Prepared, second));
        Assert.Equal(expected, KeyframeSignatures.Select(Prepared, batch));
        Assert.Equal(expected, KeyframeSignatures.Select(Prepared, mean));
    }

    [Fact]
    public void AClipRepeatedSelectsWhatTheClipSelectsAlone()
    {
        using var generator = new Generator(3);
        using var clip = randn([1, 4, 5, 8, 8], generator: generator);
        using var twice = cat([clip, clip], 0);
        Assert.Equal(KeyframeSignatures.Select(Prepared, clip), KeyframeSignatures.Select(Prepared, twice));
    }

    /// <summary>A clean estimate [1, 2, 5, 1, 1] whose frame signatures are 2-D: angle 0 before <paramref name="turnAt"/>, 60° from it on.</summary>
    private static Tensor Turning(int turnAt, double scale)
    {
        var values = new float[2 * 5];
        for (var frame = 0; frame < 5; frame++)
        {
            var angle = frame < turnAt ? 0 : Math.PI / 3;
            values[frame] = (float)(scale * Math.Cos(angle));
            values[5 + frame] = (float)(scale * Math.Sin(angle));
        }

        return tensor(values, [1, 2, 5, 1, 1]);
    }
}
