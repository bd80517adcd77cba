using RhymeFlow.Core;
using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// The windows of one token layout under one stride: each window's members, ordered by (frame, row, column), and the
/// window's grid coordinates, which seed its destination draw.
/// </summary>
/// <remarks>
/// Grouping 32760 tokens is the expensive part of a split and depends only on the layout, while the draw changes with
/// every layer, side and reuse window; so a run groups each layout once and draws many times.
/// </remarks>
internal sealed class TokenWindows
{
    private readonly int[] offsets;
    private readonly int[] members;
    private readonly (ulong Frame, ulong Row, ulong Column)[] coordinates;

    private TokenWindows(int count, int[] offsets, int[] members, (ulong, ulong, ulong)[] coordinates)
    {
        Count = count;
        this.offsets = offsets;
        this.members = members;
        this.coordinates = coordinates;
    }

    /// <summary>Tokens of the layout.</summary>
    public int Count { get; }

    /// <summary>Windows of the layout.</summary>
    public int WindowCount => coordinates.Length;

    public static TokenWindows Of(VideoTokenLayout layout, WindowStride stride)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(stride);
        var (height, width) = (layout.Height, layout.Width);
        var perFrame = height * width;
        var (windowRows, windowColumns) = ((height + stride.AlongRows - 1) / stride.AlongRows, (width + stride.AlongColumns - 1) / stride.AlongColumns);
        var coordinateCount = (long)(layout.Frames.Count == 0 ? 1 : layout.Frames.Max() + 1) * perFrame;

        // Windows group frames by their rank among the layout's frames, not by the true index: the keys/values of a
        // keyframe-only evaluation hold every frame, so they split as the full sequence does, while its queries (two
        // distant keyframes) still get windows of the stride's depth, and with them the requested ratio.
        var rank = layout.Frames.Distinct().Order().Select((frame, i) => (frame, i)).ToDictionary(p => p.frame, p => p.i);

        // One sort by (window, coordinate) groups the windows and orders their members at once.
        var order = new long[layout.Count];
        var positions = new int[layout.Count];
        for (var position = 0; position < layout.Count; position++)
        {
            var frame = layout.Frames[position / perFrame];
            var (row, column) = (position % perFrame / width, position % width);
            var window = (((long)(rank[frame] / stride.AlongFrames) * windowRows) + (row / stride.AlongRows)) * windowColumns + (column / stride.AlongColumns);
            order[position] = (window * coordinateCount) + (((long)frame * height) + row) * width + column;
            positions[position] = position;
        }

        Array.Sort(order, positions);
        var offsets = new List<int>();
        var coordinates = new List<(ulong, ulong, ulong)>();
        var previous = -1L;
        for (var i = 0; i < order.Length; i++)
        {
            var window = order[i] / coordinateCount;
            if (window != previous)
            {
                offsets.Add(i);
                var column = window % windowColumns;
                var row = window / windowColumns % windowRows;
                coordinates.Add(((ulong)(window / windowColumns / windowRows), (ulong)row, (ulong)column));
                previous = window;
            }
        }

        offsets.Add(order.Length);
        return new TokenWindows(layout.Count, [.. offsets], positions, [.. coordinates]);
    }

    /// <summary>Draws each window's destination from a hash of <paramref name="seed"/> and the window.</summary>
    public TokenSplit Choose(ulong seed)
    {
        var isDestination = new bool[Count];
        for (var w = 0; w < coordinates.Length; w++)
        {
            var (frame, row, column) = coordinates[w];
            var size = offsets[w + 1] - offsets[w];
            var draw = SeedMix.Mix(seed, frame, row, column);
            isDestination[members[offsets[w] + (int)(draw % (ulong)size)]] = true;
        }

        var destinations = new long[coordinates.Length];
        var sources = new long[Count - coordinates.Length];
        var (d, s) = (0, 0);
        for (var position = 0; position < Count; position++)
        {
            if (isDestination[position])
            {
                destinations[d++] = position;
            }
            else
            {
                sources[s++] = position;
            }
        }

        return new TokenSplit(destinations, sources);
    }
}
