using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// The destination/source split of one token sequence: one destination per window of the (frame, row, column) grid,
/// the other tokens sources. Positions index the sequence, ascending.
/// </summary>
internal sealed record TokenSplit(long[] Destinations, long[] Sources)
{
    public int Count => Destinations.Length + Sources.Length;

    /// <summary>
    /// Chooses each window's destination from a hash of <paramref name="seed"/> and the window, among the window's
    /// tokens in (frame, row, column) order. Nothing depends on the sequence order or on the device, so a keyframe-only
    /// evaluation's keys/values (active frames, then the context's) split as the full sequence would.
    /// </summary>
    public static TokenSplit Choose(WanTokenLayout layout, WindowStride stride, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(stride);
        var (height, width) = (layout.Height, layout.Width);
        var perFrame = height * width;
        var windows = new Dictionary<(int Frame, int Row, int Col), List<(long Coordinate, int Position)>>();
        for (var position = 0; position < layout.Count; position++)
        {
            var frame = layout.Frames[position / perFrame];
            var row = position % perFrame / width;
            var col = position % width;
            var window = (frame / stride.AlongFrames, row / stride.AlongRows, col / stride.AlongColumns);
            if (!windows.TryGetValue(window, out var members))
            {
                members = [];
                windows[window] = members;
            }

            members.Add(((((long)frame * height) + row) * width + col, position));
        }

        var isDestination = new bool[layout.Count];
        foreach (var (window, members) in windows)
        {
            members.Sort((a, b) => a.Coordinate.CompareTo(b.Coordinate));
            var draw = SeedMix.Mix(seed, (ulong)window.Frame, (ulong)window.Row, (ulong)window.Col);
            isDestination[members[(int)(draw % (ulong)members.Count)].Position] = true;
        }

        var positions = Enumerable.Range(0, layout.Count);
        return new TokenSplit(
            [.. positions.Where(p => isDestination[p]).Select(p => (long)p)],
            [.. positions.Where(p => !isDestination[p]).Select(p => (long)p)]);
    }
}
