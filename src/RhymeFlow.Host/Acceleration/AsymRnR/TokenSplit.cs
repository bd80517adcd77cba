using RhymeFlow.Core;
using RhymeFlow.Host.Models;

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
    public static TokenSplit Choose(VideoTokenLayout layout, WindowStride stride, ulong seed) =>
        TokenWindows.Of(layout, stride).Choose(seed);
}
