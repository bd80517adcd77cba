using RhymeFlow.Host.Models.Umt5;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>Bidirectional buckets with 32 buckets and max distance 128, against values worked out from transformers' formula.</summary>
public sealed class Umt5RelativePositionTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 1)]
    [InlineData(-7, 7)]
    [InlineData(-8, 8)]
    [InlineData(-11, 8)]
    [InlineData(-12, 9)]
    [InlineData(-127, 15)]
    [InlineData(-128, 15)]
    [InlineData(-1000, 15)]
    [InlineData(1, 17)]
    [InlineData(7, 23)]
    [InlineData(8, 24)]
    [InlineData(12, 25)]
    [InlineData(200, 31)]
    public void BucketOfRelativePosition(int relative, long expected)
    {
        // Relative position = key − query: one query at |relative| with key 0 for negatives, or query 0 and key relative.
        var negative = relative < 0;
        var distance = Math.Abs(relative);
        using var buckets = negative
            ? Umt5RelativePosition.Buckets(distance + 1, 1, 32, 128, CPU)
            : Umt5RelativePosition.Buckets(1, distance + 1, 32, 128, CPU);
        using var value = negative ? buckets[distance, 0] : buckets[0, distance];
        Assert.Equal(expected, value.item<long>());
    }
}
