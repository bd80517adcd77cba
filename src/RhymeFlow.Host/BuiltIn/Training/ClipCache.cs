using System.Diagnostics;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>
/// A block of consecutive training clips rendered ahead, on every core, and held in memory as 8-bit pixels: the
/// trainer's data path. Clip <c>i</c> of the block is <see cref="TrainingSampler.Sample"/>(FirstIndex + i), so the
/// data stays a function of (data seed, sample index) whatever the block boundaries are.
/// </summary>
/// <remarks>
/// <para>Why a cache: rendering in a background thread while libtorch trains puts three busy threads on two cores, and
/// the allocations of the renderer make the GC run often. Rendering a block at once, on all cores, before the steps
/// that use it, keeps the steps to tensor work only.</para>
/// <para>Why 8 bits: a clip is 49,152 values, 48 KiB as bytes against 192 KiB as float32, so a whole CPU run
/// (tens of thousands of clips) fits in a few GiB. The rounding (at most 1/255 of the [-1, 1] range) is far below
/// anything the clips show: anti-aliasing moves in steps of 1/16 and the background texture by ±0.035.</para>
/// </remarks>
public sealed class ClipCache
{
    /// <summary>Bytes of one cached clip.</summary>
    public const int ClipBytes = VideoClip.Channels * ClipGenerator.Frames * ClipGenerator.Size * ClipGenerator.Size;

    private readonly byte[][] _clips;

    private ClipCache(long firstIndex, byte[][] clips, TimeSpan renderTime)
    {
        FirstIndex = firstIndex;
        _clips = clips;
        RenderTime = renderTime;
    }

    /// <summary>The sample index of the first clip.</summary>
    public long FirstIndex { get; }

    /// <summary>Clips held.</summary>
    public int Count => _clips.Length;

    /// <summary>Wall time the block took to render.</summary>
    public TimeSpan RenderTime { get; }

    /// <summary>Renders samples <paramref name="firstIndex"/> .. firstIndex + count − 1 of <paramref name="sampler"/> on every core.</summary>
    public static ClipCache Render(TrainingSampler sampler, long firstIndex, int count)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var clock = Stopwatch.StartNew();
        var clips = new byte[count][];

        // One float buffer per worker: a clip's floats are 192 KiB, large-object-heap sized, and tens of thousands of
        // them as garbage would swell the process by gigabytes before a full collection.
        Parallel.For(0, count, () => new float[ClipBytes], (i, _, values) =>
        {
            ClipGenerator.RenderInto(sampler.Sample(firstIndex + i), values);
            var bytes = new byte[ClipBytes];
            for (var j = 0; j < bytes.Length; j++)
            {
                bytes[j] = Quantize(values[j]);
            }

            clips[i] = bytes;
            return values;
        }, _ => { });
        return new ClipCache(firstIndex, clips, clock.Elapsed);
    }

    /// <summary>Whether samples <paramref name="start"/> .. start + count − 1 are all held.</summary>
    public bool Holds(long start, int count) => start >= FirstIndex && start + count <= FirstIndex + Count;

    /// <summary>
    /// Decodes samples <paramref name="start"/> .. start + count − 1 into <paramref name="destination"/>
    /// ([count, 3, 16, 32, 32] row-major, in [-1, 1]).
    /// </summary>
    public void CopyTo(long start, int count, Span<float> destination)
    {
        if (!Holds(start, count))
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"Samples {start}..{start + count - 1} are not all in this cache, which holds {FirstIndex}..{FirstIndex + Count - 1}.");
        }

        if (destination.Length != count * ClipBytes)
        {
            throw new ArgumentException($"Expected room for {count} clips ({count * ClipBytes} values), but the span holds {destination.Length}.", nameof(destination));
        }

        for (var i = 0; i < count; i++)
        {
            var clip = _clips[start - FirstIndex + i];
            var target = destination.Slice(i * ClipBytes, ClipBytes);
            for (var j = 0; j < clip.Length; j++)
            {
                target[j] = Dequantize(clip[j]);
            }
        }
    }

    /// <summary>[-1, 1] to the nearest of 256 levels.</summary>
    internal static byte Quantize(float value) => (byte)Math.Clamp(MathF.Round((value + 1) * 127.5f), 0, 255);

    internal static float Dequantize(byte level) => (level / 127.5f) - 1;
}
