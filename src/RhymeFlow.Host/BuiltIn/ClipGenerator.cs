using RhymeFlow.Host.Media;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// Renders procedural clips: 16 frames of 32x32 RGB in [-1,1], one or two anti-aliased objects over a dark,
/// textured, still background. The same spec (seed included) always gives the same values, bit for bit.
/// </summary>
/// <remarks>
/// Movement runs at 0.6 (slow) or 1.4 (fast) px/frame along the motion's direction; bouncing moves horizontally at
/// that speed and reflects once off the left or right border between frames 4 and 11; growing and shrinking change
/// the half-extent by 0.12 or 0.25 px/frame (between 2.5 and 7 px). Objects stay wholly inside the frame.
/// </remarks>
public static class ClipGenerator
{
    public const int Frames = 16;
    public const int Size = 32;

    /// <summary>Renders one clip.</summary>
    public static VideoClip Render(ClipSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var values = new float[VideoClip.Channels * Frames * Size * Size];
        RenderInto(spec, values);
        return VideoClip.Wrap(Frames, Size, Size, values);
    }

    /// <summary>Renders a batch as a float32 CPU tensor [B, 3, 16, 32, 32] in [-1,1], ready for the trainer.</summary>
    public static Tensor RenderBatch(IReadOnlyList<ClipSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count == 0)
        {
            throw new ArgumentException("Expected at least one spec, but the list is empty.", nameof(specs));
        }

        var clipLength = VideoClip.Channels * Frames * Size * Size;
        var values = new float[specs.Count * clipLength];
        for (var i = 0; i < specs.Count; i++)
        {
            RenderInto(specs[i] ?? throw new ArgumentException($"specs[{i}] is null.", nameof(specs)), values.AsSpan(i * clipLength, clipLength));
        }

        return torch.tensor(values, [specs.Count, VideoClip.Channels, Frames, Size, Size], ScalarType.Float32);
    }

    /// <summary>Renders one clip into <paramref name="clip"/> ([3, 16, 32, 32] row-major, in [-1, 1]) without allocating it.</summary>
    internal static void RenderInto(ClipSpec spec, Span<float> clip)
    {
        var random = SeededRandom.For(spec.Seed, 0x5EED);
        var background = BackgroundTexture.Render(random, Size);
        var poses = ClipLayout.Plan(spec, random, Frames, Size);
        var objects = spec.Objects;
        var frame = new float[3 * Size * Size];
        for (var t = 0; t < Frames; t++)
        {
            background.CopyTo(frame, 0);
            for (var i = 0; i < objects.Count; i++)
            {
                Composite(frame, objects[i], poses[i][t]);
            }

            for (var c = 0; c < 3; c++)
            {
                var target = clip.Slice(((c * Frames) + t) * Size * Size, Size * Size);
                var source = frame.AsSpan(c * Size * Size, Size * Size);
                for (var p = 0; p < source.Length; p++)
                {
                    target[p] = (2 * source[p]) - 1;
                }
            }
        }
    }

    private static void Composite(float[] frame, ClipObject item, Pose pose)
    {
        var (r, g, b) = Palette.Rgb(item.Colour);
        var colour = new[] { r, g, b };
        var x0 = Math.Max(0, (int)Math.Floor(pose.X - pose.HalfExtent));
        var x1 = Math.Min(Size - 1, (int)Math.Ceiling(pose.X + pose.HalfExtent));
        var y0 = Math.Max(0, (int)Math.Floor(pose.Y - pose.HalfExtent));
        var y1 = Math.Min(Size - 1, (int)Math.Ceiling(pose.Y + pose.HalfExtent));
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var alpha = ShapeCoverage.Of(item.Shape, pose, x, y);
                if (alpha <= 0)
                {
                    continue;
                }

                for (var c = 0; c < 3; c++)
                {
                    var index = (((c * Size) + y) * Size) + x;
                    frame[index] = (alpha * colour[c]) + ((1 - alpha) * frame[index]);
                }
            }
        }
    }
}
