using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Models;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class TokenSplitTests
{
    [Theory]
    [InlineData(3, 5, 7, 2 * 3 * 4)]
    [InlineData(1, 5, 7, 1 * 3 * 4)]
    [InlineData(4, 4, 4, 2 * 2 * 2)]
    [InlineData(1, 1, 1, 1)]
    public void EveryWindowGivesOneDestinationPartialWindowsIncluded(int frames, int height, int width, int windows)
    {
        var split = TokenSplit.Choose(Grid(frames, height, width), Reduction.DefaultStride, 11);
        Assert.Equal(windows, split.Destinations.Length);
        Assert.Equal(frames * height * width, split.Count);
        Assert.Equal(Enumerable.Range(0, split.Count).Select(p => (long)p), split.Destinations.Concat(split.Sources).Order());

        // One destination per window, located by its own coordinates.
        var windowsOfDestinations = split.Destinations
            .Select(p => ((p / (height * width)) / 2, (p % (height * width) / width) / 2, (p % width) / 2))
            .ToArray();
        Assert.Equal(windows, windowsOfDestinations.Distinct().Count());
    }

    [Fact]
    public void TheSplitIsASeededChoice()
    {
        var layout = Grid(4, 6, 6);
        Assert.Equal(TokenSplit.Choose(layout, Reduction.DefaultStride, 5).Destinations, TokenSplit.Choose(layout, Reduction.DefaultStride, 5).Destinations);
        Assert.NotEqual(TokenSplit.Choose(layout, Reduction.DefaultStride, 5).Destinations, TokenSplit.Choose(layout, Reduction.DefaultStride, 6).Destinations);
    }

    [Fact]
    public void KeyframeOnlyKeyValuesSplitAsTheFullSequenceWould()
    {
        // Active frames 1 and 3 first, then the context's frames: tokens sit at their true frames.
        var (height, width) = (4, 6);
        var full = TokenSplit.Choose(Grid(5, height, width), Reduction.DefaultStride, 9);
        VideoTokenLayout activeThenContext = new([1, 3, 0, 2, 4], height, width);
        var reordered = TokenSplit.Choose(activeThenContext, Reduction.DefaultStride, 9);

        long TrueCoordinate(long position) =>
            (activeThenContext.Frames[(int)(position / (height * width))] * height * width) + (position % (height * width));
        Assert.Equal(full.Destinations, reordered.Destinations.Select(TrueCoordinate).Order());
    }

    [Fact]
    public void ATokenLayoutKeyComparesFramesAndGrid()
    {
        Assert.Equal(Grid(3, 4, 5).Key, new VideoTokenLayout([0, 1, 2], 4, 5).Key);
        Assert.NotEqual(Grid(3, 4, 5).Key, new VideoTokenLayout([0, 1, 3], 4, 5).Key);
        Assert.NotEqual(Grid(3, 4, 5).Key, Grid(3, 5, 4).Key);
    }
}
