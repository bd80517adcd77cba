using RhymeFlow.Host.Media;
using TorchSharp;

namespace RhymeFlow.Host.Evaluation;

/// <summary>
/// The fidelity metrics of every RhymeFlow comparison, between a reference clip and a test clip of the same size.
/// </summary>
/// <remarks>
/// Both clips are mapped from [-1,1] to [0,1] and clamped to [0,1] first.
/// <para><b>PSNR</b>: per frame, MSE over all channels and pixels, PSNR = 10·log10(1/MSE); the clip's PSNR is the mean
/// over frames. A frame with MSE = 0 (or PSNR above 100 dB) counts as <see cref="MaxPsnr"/> = 100 dB, so identical
/// clips give exactly 100 and the mean stays finite.</para>
/// <para><b>SSIM</b>: per frame and per RGB channel, on an 11x11 uniform (box) window at every position where the window
/// fits wholly inside the frame (no padding; (H−10)·(W−10) windows), with population statistics (divide by 121),
/// C1 = 0.01² and C2 = 0.03² (data range 1): SSIM = ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)).
/// The window values are averaged, then the result is averaged over channels and frames.</para>
/// </remarks>
public static class VideoMetrics
{
    public const double MaxPsnr = 100;
    public const int SsimWindow = 11;
    private const double C1 = 0.01 * 0.01;
    private const double C2 = 0.03 * 0.03;

    /// <summary>Mean per-frame PSNR in dB, capped at <see cref="MaxPsnr"/>.</summary>
    public static double Psnr(VideoClip reference, VideoClip test)
    {
        CheckPair(reference, test);
        var plane = reference.Height * reference.Width;
        double total = 0;
        for (var f = 0; f < reference.Frames; f++)
        {
            double squared = 0;
            for (var c = 0; c < VideoClip.Channels; c++)
            {
                var start = reference.Index(c, f, 0, 0);
                for (var p = 0; p < plane; p++)
                {
                    var d = Unit(reference.Values[start + p]) - Unit(test.Values[start + p]);
                    squared += d * d;
                }
            }

            var mse = squared / (VideoClip.Channels * plane);
            total += mse == 0 ? MaxPsnr : Math.Min(MaxPsnr, 10 * Math.Log10(1 / mse));
        }

        return total / reference.Frames;
    }

    /// <summary>Mean SSIM over valid 11x11 windows, channels and frames; see the remarks for the exact convention.</summary>
    public static double Ssim(VideoClip reference, VideoClip test)
    {
        CheckPair(reference, test);
        if (reference.Height < SsimWindow || reference.Width < SsimWindow)
        {
            throw new ArgumentException(
                $"SSIM needs frames of at least {SsimWindow}x{SsimWindow}, but these are {reference.Width}x{reference.Height}.", nameof(reference));
        }

        var (h, w) = (reference.Height, reference.Width);
        var x = new double[h * w];
        var y = new double[h * w];
        double total = 0;
        for (var f = 0; f < reference.Frames; f++)
        {
            for (var c = 0; c < VideoClip.Channels; c++)
            {
                var start = reference.Index(c, f, 0, 0);
                for (var p = 0; p < x.Length; p++)
                {
                    x[p] = Unit(reference.Values[start + p]);
                    y[p] = Unit(test.Values[start + p]);
                }

                total += PlaneSsim(x, y, h, w);
            }
        }

        return total / (reference.Frames * VideoClip.Channels);
    }

    /// <summary><see cref="Psnr(VideoClip, VideoClip)"/> for tensors [3, F, H, W] or [1, 3, F, H, W] in [-1,1].</summary>
    public static double Psnr(torch.Tensor reference, torch.Tensor test) => Psnr(VideoClip.FromTensor(reference), VideoClip.FromTensor(test));

    /// <summary><see cref="Ssim(VideoClip, VideoClip)"/> for tensors [3, F, H, W] or [1, 3, F, H, W] in [-1,1].</summary>
    public static double Ssim(torch.Tensor reference, torch.Tensor test) => Ssim(VideoClip.FromTensor(reference), VideoClip.FromTensor(test));

    private static double PlaneSsim(double[] x, double[] y, int h, int w)
    {
        // Summed-area tables make each window's five sums O(1).
        var sx = Integral(x, x, h, w, (a, _) => a);
        var sy = Integral(y, y, h, w, (_, b) => b);
        var sxx = Integral(x, x, h, w, (a, _) => a * a);
        var syy = Integral(y, y, h, w, (_, b) => b * b);
        var sxy = Integral(x, y, h, w, (a, b) => a * b);
        const double n = SsimWindow * SsimWindow;
        double total = 0;
        var windows = 0;
        for (var top = 0; top + SsimWindow <= h; top++)
        {
            for (var left = 0; left + SsimWindow <= w; left++)
            {
                var mx = Box(sx, w, top, left) / n;
                var my = Box(sy, w, top, left) / n;
                var vx = (Box(sxx, w, top, left) / n) - (mx * mx);
                var vy = (Box(syy, w, top, left) / n) - (my * my);
                var cxy = (Box(sxy, w, top, left) / n) - (mx * my);
                total += ((2 * mx * my) + C1) * ((2 * cxy) + C2) / (((mx * mx) + (my * my) + C1) * (vx + vy + C2));
                windows++;
            }
        }

        return total / windows;
    }

    private static double[] Integral(double[] x, double[] y, int h, int w, Func<double, double, double> value)
    {
        var table = new double[(h + 1) * (w + 1)];
        for (var r = 0; r < h; r++)
        {
            double row = 0;
            for (var c = 0; c < w; c++)
            {
                row += value(x[(r * w) + c], y[(r * w) + c]);
                table[((r + 1) * (w + 1)) + c + 1] = table[(r * (w + 1)) + c + 1] + row;
            }
        }

        return table;
    }

    private static double Box(double[] table, int w, int top, int left)
    {
        var stride = w + 1;
        var (bottom, right) = (top + SsimWindow, left + SsimWindow);
        return table[(bottom * stride) + right] - table[(top * stride) + right] - table[(bottom * stride) + left] + table[(top * stride) + left];
    }

    private static double Unit(float v) => Math.Clamp((v + 1) / 2.0, 0, 1);

    private static void CheckPair(VideoClip reference, VideoClip test)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (reference.Frames != test.Frames || reference.Height != test.Height || reference.Width != test.Width)
        {
            throw new ArgumentException(
                $"Clips must match in size: the reference is {reference.Frames}x{reference.Height}x{reference.Width} (frames x height x width), the test {test.Frames}x{test.Height}x{test.Width}.",
                nameof(test));
        }
    }
}
