using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

public sealed class TokenWindowsTests
{
    public static TheoryData<int[], int, int, int, int, int> Layouts => new()
    {
        { [0, 1, 2, 3, 4], 6, 10, 2, 2, 2 },
        { [0, 1, 2], 5, 7, 2, 2, 2 },
        { [4, 0, 9, 1], 3, 5, 6, 2, 2 },
        { [20, 0], 4, 4, 2, 2, 2 },
        { [3], 1, 1, 2, 3, 1 },
    };

    [Fact]
    public void DistantKeyframesShareWindowsSoTheirQueriesReachTheRequestedRatio()
    {
        var layout = new VideoTokenLayout([0, 20], 4, 4);
        var stride = new WindowStride(2, 2, 2);
        Assert.Equal(4, TokenWindows.Of(layout, stride).WindowCount);

        // 32 query tokens at the stride's largest ratio keep only their 4 destinations.
        Assert.Equal(4, AsymRnRRun.ReducedLength(layout, stride, 0.875));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void GroupedOnceAndDrawnManyTimesEqualsTheWindowByWindowDraw(int[] frames, int height, int width, int sf, int sr, int sc)
    {
        var layout = new VideoTokenLayout(frames, height, width);
        var stride = new WindowStride(sf, sr, sc);
        var windows = TokenWindows.Of(layout, stride);
        foreach (var seed in new ulong[] { 0, 1, 977, ulong.MaxValue })
        {
            var (destinations, sources) = Reference(layout, stride, seed);
            var split = windows.Choose(seed);
            Assert.Equal(destinations, split.Destinations);
            Assert.Equal(sources, split.Sources);
        }
    }

    /// <summary>
    /// The split written window by window: windows over the frames' ranks, each window's tokens ordered by coordinate,
    /// one drawn.
    /// </summary>
    private static (long[] Destinations, long[] Sources) Reference(VideoTokenLayout layout, WindowStride stride, ulong seed)
    {
        var perFrame = layout.Height * layout.Width;
        var ranks = layout.Frames.Order().ToList();
        var groups = Enumerable.Range(0, layout.Count)
            .Select(p => (Position: p, Frame: layout.Frames[p / perFrame], Row: p % perFrame / layout.Width, Column: p % layout.Width))
            .GroupBy(t => (ranks.IndexOf(t.Frame) / stride.AlongFrames, t.Row / stride.AlongRows, t.Column / stride.AlongColumns));
        var chosen = new HashSet<long>();
        foreach (var group in groups)
        {
            var members = group.OrderBy(t => ((long)t.Frame * layout.Height + t.Row) * layout.Width + t.Column).ToArray();
            var (f, r, c) = group.Key;
            var draw = SeedMix.Mix(seed, (ulong)f, (ulong)r, (ulong)c);
            chosen.Add(members[(int)(draw % (ulong)members.Length)].Position);
        }

        var all = Enumerable.Range(0, layout.Count).Select(p => (long)p).ToArray();
        return (all.Where(chosen.Contains).ToArray(), all.Where(p => !chosen.Contains(p)).ToArray());
    }
}
