using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation;

/// <summary>
/// Splits a clip into background and palette-coloured foreground: a background estimate per pixel, and for every
/// pixel of every frame the palette colour it shows (or none) and how much of it (alpha).
/// </summary>
/// <remarks>
/// Background: the per-pixel temporal median, except where that median is far from the clip's overall median colour
/// (a still or slow object covers the pixel most of the time) — there the overall median stands in. Foreground: a
/// pixel further than <see cref="ForegroundDistance"/> from the background is explained as background + alpha ·
/// (colour − background) for the palette colour that leaves the smallest residual. That reading is exact for
/// anti-aliased edges, so thin edges neither change colour nor count as a separate object.
/// </remarks>
internal sealed class ForegroundModel
{
    public const float ForegroundDistance = 0.1f;
    private const float StillObjectDistance = 0.2f;
    private const float MinimumAlpha = 0.1f;

    private ForegroundModel(int frames, int height, int width, float[] rgb, float[] background, sbyte[] labels, float[] alpha)
    {
        (Frames, Height, Width, Rgb, Background, Labels, Alpha) = (frames, height, width, rgb, background, labels, alpha);
    }

    public int Frames { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>The clip in [0,1], clamped, [3, F, H, W].</summary>
    public float[] Rgb { get; }

    /// <summary>[3, H, W] in [0,1].</summary>
    public float[] Background { get; }

    /// <summary>[F, H, W]: the palette index a pixel shows, or -1 for background.</summary>
    public sbyte[] Labels { get; }

    /// <summary>[F, H, W]: how much of the labelled colour the pixel holds, in [0,1].</summary>
    public float[] Alpha { get; }

    public static ForegroundModel Build(VideoClip clip)
    {
        var (frames, height, width) = (clip.Frames, clip.Height, clip.Width);
        var plane = height * width;
        var rgb = new float[clip.Values.Length];
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = Math.Clamp((clip.Values[i] + 1) / 2, 0, 1);
        }

        var overall = new float[3];
        for (var c = 0; c < 3; c++)
        {
            overall[c] = Median(rgb.AsSpan(c * frames * plane, frames * plane).ToArray());
        }

        var background = new float[3 * plane];
        var column = new float[frames];
        var temporal = new float[3];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                for (var f = 0; f < frames; f++)
                {
                    column[f] = rgb[(((c * frames) + f) * plane) + p];
                }

                temporal[c] = Median(column);
            }

            var farFromOverall = Distance(temporal[0] - overall[0], temporal[1] - overall[1], temporal[2] - overall[2]) > StillObjectDistance;
            for (var c = 0; c < 3; c++)
            {
                background[(c * plane) + p] = farFromOverall ? overall[c] : temporal[c];
            }
        }

        var labels = new sbyte[frames * plane];
        var alpha = new float[frames * plane];
        var palette = Palette.Colours.Select(Palette.Rgb).ToArray();
        for (var f = 0; f < frames; f++)
        {
            for (var p = 0; p < plane; p++)
            {
                var (label, a) = Explain(rgb, background, palette, frames, plane, f, p);
                labels[(f * plane) + p] = label;
                alpha[(f * plane) + p] = a;
            }
        }

        return new ForegroundModel(frames, height, width, rgb, background, labels, alpha);
    }

    /// <summary>
    /// Mean absolute frame-to-frame change (RGB in [0,1], averaged over channels) of pixels that are background, and
    /// have only background 4-neighbours, in both frames.
    /// </summary>
    /// <remarks>The neighbour rule keeps the faint anti-aliased fringe of moving objects out of the measure.</remarks>
    public double BackgroundFlicker()
    {
        var plane = Height * Width;
        double sum = 0;
        long count = 0;
        for (var f = 1; f < Frames; f++)
        {
            for (var p = 0; p < plane; p++)
            {
                if (NearForeground(f, p) || NearForeground(f - 1, p))
                {
                    continue;
                }

                for (var c = 0; c < 3; c++)
                {
                    var index = (((c * Frames) + f) * plane) + p;
                    sum += Math.Abs(Rgb[index] - Rgb[index - plane]);
                }

                count += 3;
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    private bool NearForeground(int f, int p)
    {
        var (y, x) = Math.DivRem(p, Width);
        var frame = f * Height * Width;
        return Labels[frame + p] >= 0
            || (y > 0 && Labels[frame + p - Width] >= 0)
            || (y < Height - 1 && Labels[frame + p + Width] >= 0)
            || (x > 0 && Labels[frame + p - 1] >= 0)
            || (x < Width - 1 && Labels[frame + p + 1] >= 0);
    }

    private static (sbyte Label, float Alpha) Explain(float[] rgb, float[] background, (float R, float G, float B)[] palette, int frames, int plane, int f, int p)
    {
        Span<float> delta = stackalloc float[3];
        Span<float> bg = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            bg[c] = background[(c * plane) + p];
            delta[c] = rgb[(((c * frames) + f) * plane) + p] - bg[c];
        }

        if (Distance(delta[0], delta[1], delta[2]) <= ForegroundDistance)
        {
            return (-1, 0);
        }

        sbyte best = -1;
        float bestAlpha = 0;
        var bestResidual = float.PositiveInfinity;
        for (var k = 0; k < palette.Length; k++)
        {
            var (dr, dg, db) = (palette[k].R - bg[0], palette[k].G - bg[1], palette[k].B - bg[2]);
            var length2 = (dr * dr) + (dg * dg) + (db * db);
            var a = ((delta[0] * dr) + (delta[1] * dg) + (delta[2] * db)) / length2;
            if (a < MinimumAlpha)
            {
                continue;
            }

            a = Math.Min(a, 1);
            var residual = Distance(delta[0] - (a * dr), delta[1] - (a * dg), delta[2] - (a * db));
            if (residual < bestResidual)
            {
                (best, bestAlpha, bestResidual) = ((sbyte)k, a, residual);
            }
        }

        return (best, bestAlpha);
    }

    private static float Distance(float a, float b, float c) => MathF.Sqrt((a * a) + (b * b) + (c * c));

    private static float Median(float[] values)
    {
        Array.Sort(values);
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
