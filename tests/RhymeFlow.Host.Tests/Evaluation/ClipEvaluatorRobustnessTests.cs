using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Media;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Evaluation;

/// <summary>
/// The evaluator on imperfect clips, as a generator produces them: per-pixel noise, blurred shapes, and noise with
/// no object at all. It must find an object that is plainly there and find none where there is none.
/// </summary>
public sealed class ClipEvaluatorRobustnessTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.03)]
    [InlineData(0.06)]
    [InlineData(0.1)]
    public void FindsEveryHeldOutObjectUnderPerPixelNoise(double sigma)
    {
        var random = new Random(17);
        var judgements = HeldOutCaptions.Specs.Select(s => ClipEvaluator.Evaluate(AddNoise(ClipGenerator.Render(s), sigma, random), s)).ToList();
        var summary = AdherenceSummary.Of(judgements);
        output.WriteLine($"noise σ {sigma}: {summary.ToLine()}");
        Assert.Equal(judgements.Count, summary.Count.Correct);
        Assert.Equal(judgements.Count, summary.Colour.Correct);
        Assert.Equal(judgements.Count, summary.Motion.Correct);
    }

    [Theory]
    [InlineData(0.7, 0.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, 0.05)]
    public void FindsEveryHeldOutObjectWhenShapesAreBlurred(double blur, double sigma)
    {
        var random = new Random(5);
        var judgements = HeldOutCaptions.Specs.Select(s => ClipEvaluator.Evaluate(AddNoise(Blur(ClipGenerator.Render(s), blur), sigma, random), s)).ToList();
        var summary = AdherenceSummary.Of(judgements);
        output.WriteLine($"blur {blur} px, noise σ {sigma}: {summary.ToLine()}");
        Assert.Equal(judgements.Count, summary.Count.Correct);
        Assert.Equal(judgements.Count, summary.Colour.Correct);
        Assert.Equal(judgements.Count, summary.Motion.Correct);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void FindsNoObjectInANoisyBackground(double sigma)
    {
        var random = new Random(3);
        for (var seed = 0; seed < 8; seed++)
        {
            var clip = AddNoise(BackgroundOnly(seed), sigma, random);
            Assert.Empty(ClipEvaluator.Analyse(clip).Objects);
        }
    }

    [Fact]
    public void FindsNoObjectInUniformNoise()
    {
        var random = new Random(9);
        for (var i = 0; i < 8; i++)
        {
            var values = new float[VideoClip.Channels * ClipGenerator.Frames * ClipGenerator.Size * ClipGenerator.Size];
            for (var j = 0; j < values.Length; j++)
            {
                values[j] = (float)((2 * random.NextDouble()) - 1);
            }

            var analysis = ClipEvaluator.Analyse(new VideoClip(ClipGenerator.Frames, ClipGenerator.Size, ClipGenerator.Size, values));
            Assert.True(analysis.Objects.Count == 0, $"clip {i}: found {string.Join(", ", analysis.Objects.Select(o => $"{o.Colour} {o.Shape} ({o.MeanArea:F1} px)"))}");
        }
    }

    [Fact]
    public void FindsTheObjectThatNoiseDoesNotHide()
    {
        // A strongly noisy clip still shows its object: the evaluator names it and its colour and motion.
        var spec = Caption.Parse("a blue square moving right slowly", 21);
        var judgement = ClipEvaluator.Evaluate(AddNoise(ClipGenerator.Render(spec), 0.15, new Random(2)), spec);
        var found = Assert.Single(judgement.Analysis.Objects);
        Assert.Equal(ObjectColour.Blue, found.Colour);
        Assert.Equal(Motion.Right, found.Motion);
    }

    /// <summary>A clip of the generator's background alone: a spec's clip with every object pixel replaced by the background.</summary>
    private static VideoClip BackgroundOnly(int seed)
    {
        var still = ClipGenerator.Render(new ClipSpec(ObjectColour.Red, ShapeKind.Circle, Motion.Right, Speed.Fast, seed));
        var values = still.Values.ToArray();
        var plane = still.Height * still.Width;
        for (var f = 0; f < still.Frames; f++)
        {
            // The object moves, so each pixel shows the background in the frame furthest from where the object was.
            var other = f < still.Frames / 2 ? still.Frames - 1 : 0;
            for (var p = 0; p < plane; p++)
            {
                var red = values[((0 * still.Frames) + f) * plane + p];
                if (red > -0.5f)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        values[(((c * still.Frames) + f) * plane) + p] = still.Values[(((c * still.Frames) + other) * plane) + p];
                    }
                }
            }
        }

        return new VideoClip(still.Frames, still.Height, still.Width, values);
    }

    /// <summary>Adds Gaussian noise of standard deviation <paramref name="sigma"/> in [0, 1] units to every value.</summary>
    private static VideoClip AddNoise(VideoClip clip, double sigma, Random random)
    {
        var values = clip.Values.ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = Math.Clamp(values[i] + (float)(2 * sigma * gaussian), -1, 1);
        }

        return new VideoClip(clip.Frames, clip.Height, clip.Width, values);
    }

    /// <summary>A separable Gaussian blur of <paramref name="sigma"/> pixels within each frame (edges clamped).</summary>
    private static VideoClip Blur(VideoClip clip, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = Enumerable.Range(-radius, (2 * radius) + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var total = kernel.Sum();
        var (h, w) = (clip.Height, clip.Width);
        var source = clip.Values.ToArray();
        var across = new float[source.Length];
        var result = new float[source.Length];
        for (var plane = 0; plane < VideoClip.Channels * clip.Frames; plane++)
        {
            var offset = plane * h * w;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    double sum = 0;
                    for (var d = -radius; d <= radius; d++)
                    {
                        sum += kernel[d + radius] * source[offset + (y * w) + Math.Clamp(x + d, 0, w - 1)];
                    }

                    across[offset + (y * w) + x] = (float)(sum / total);
                }
            }

            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    double sum = 0;
                    for (var d = -radius; d <= radius; d++)
                    {
                        sum += kernel[d + radius] * across[offset + (Math.Clamp(y + d, 0, h - 1) * w) + x];
                    }

                    result[offset + (y * w) + x] = (float)(sum / total);
                }
            }
        }

        return new VideoClip(clip.Frames, h, w, result);
    }
}
