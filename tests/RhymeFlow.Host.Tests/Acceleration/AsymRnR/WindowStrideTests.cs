using RhymeFlow.Host.Acceleration.AsymRnR;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class WindowStrideTests
{
    [Fact]
    public void ParsesFramesRowsCols()
    {
        Assert.Equal(new WindowStride(1, 2, 3), WindowStride.Parse("1x2x3"));
        Assert.Equal("2x2x2", WindowStride.Default.ToString());
    }

    [Theory]
    [InlineData(0, 2, 2)]
    [InlineData(2, 0, 2)]
    [InlineData(2, 2, -1)]
    public void AZeroOrNegativeStrideIsRejected(int frames, int rows, int cols)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WindowStride(frames, rows, cols));
        Assert.Contains($"{frames}x{rows}x{cols}", error.Message);
        Assert.Contains("at least 1", error.Message);
    }

    [Theory]
    [InlineData("2x2")]
    [InlineData("2x0x2")]
    [InlineData("ax2x2")]
    [InlineData("2x2x2x2")]
    public void BadStrideTextIsRejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => WindowStride.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
    }
}
