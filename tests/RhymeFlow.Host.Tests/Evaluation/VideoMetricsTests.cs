using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Evaluation;

public sealed class VideoMetricsTests
{
    private static VideoClip Constant(float value, int frames = 2, int size = 16) =>
        new(frames, size, size, Enumerable.Repeat(value, 3 * frames * size * size).ToArray());

    private static VideoClip Noisy(VideoClip clip, double sigma, int seed)
    {
        var random = new Random(seed);
        return new VideoClip(clip.Frames, clip.Height, clip.Width, clip.Values.ToArray().Select(v => v + (float)(sigma * ((random.NextDouble() * 2) - 1))).ToArray());
    }

    [Fact]
    public void IdenticalClipsGiveTheCapAndOne()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a red circle moving left quickly", 1));
        Assert.Equal(VideoMetrics.MaxPsnr, VideoMetrics.Psnr(clip, clip));
        Assert.Equal(1.0, VideoMetrics.Ssim(clip, clip), 12);
    }

    [Fact]
    public void AConstantOffsetGivesTheAnalyticPsnrAndSsim()
    {
        // 0 and 0.1 in [-1,1] are 0.5 and 0.55 in [0,1]: MSE = 0.05².
        var (a, b) = (Constant(0f), Constant(0.1f));
        Assert.Equal(10 * Math.Log10(1 / (0.05 * 0.05)), VideoMetrics.Psnr(a, b), 4);

        // Flat windows: σ = 0, so SSIM = (2μxμy + C1) / (μx² + μy² + C1).
        const double c1 = 0.0001;
        Assert.Equal(((2 * 0.5 * 0.55) + c1) / ((0.5 * 0.5) + (0.55 * 0.55) + c1), VideoMetrics.Ssim(a, b), 6);
    }

    [Fact]
    public void PsnrAveragesPerFrameValues()
    {
        // Frame 0 identical (capped at 100 dB), frame 1 offset by 0.05 in [0,1].
        var values = new float[3 * 2 * 16 * 16];
        var reference = Constant(0f);
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < 256; p++)
            {
                values[(((c * 2) + 1) * 256) + p] = 0.1f;
            }
        }

        var test = new VideoClip(2, 16, 16, values);
        Assert.Equal((100 + (10 * Math.Log10(400))) / 2, VideoMetrics.Psnr(reference, test), 4);
    }

    [Fact]
    public void SsimIsSymmetricAndBelowOneForNoise()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a blue square and a yellow triangle moving up slowly", 2));
        var noisy = Noisy(clip, 0.2, 3);
        var forward = VideoMetrics.Ssim(clip, noisy);
        Assert.Equal(forward, VideoMetrics.Ssim(noisy, clip), 12);
        Assert.InRange(forward, 0, 0.99);
        Assert.True(VideoMetrics.Ssim(clip, Noisy(clip, 0.05, 3)) > forward, "Less noise should score higher.");
        Assert.InRange(VideoMetrics.Psnr(clip, noisy), 10, 40);
    }

    [Fact]
    public void TensorOverloadsMatch()
    {
        var a = ClipGenerator.Render(Caption.Parse("a cyan triangle staying still", 4));
        var b = Noisy(a, 0.1, 5);
        using var ta = a.ToTensor();
        using var tb = b.ToTensor().unsqueeze(0);
        Assert.Equal(VideoMetrics.Psnr(a, b), VideoMetrics.Psnr(ta, tb), 10);
        Assert.Equal(VideoMetrics.Ssim(a, b), VideoMetrics.Ssim(ta, tb), 10);
    }

    [Fact]
    public void RejectsMismatchedOrTooSmallClips()
    {
        Assert.Contains("2x16x16", Assert.Throws<ArgumentException>(() => VideoMetrics.Psnr(Constant(0), Constant(0, frames: 3))).Message);
        Assert.Contains("10x10", Assert.Throws<ArgumentException>(() => VideoMetrics.Ssim(Constant(0, size: 10), Constant(0, size: 10))).Message);
    }
}
