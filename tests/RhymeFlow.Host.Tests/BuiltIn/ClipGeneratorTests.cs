using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class ClipGeneratorTests
{
    [Fact]
    public void TheSameSpecGivesTheSameValuesBitForBit()
    {
        var spec = Caption.Parse("a blue square and a yellow triangle moving up quickly", seed: 42);
        Assert.True(ClipGenerator.Render(spec).Values.SequenceEqual(ClipGenerator.Render(spec).Values));
        Assert.False(ClipGenerator.Render(spec).Values.SequenceEqual(ClipGenerator.Render(spec.WithSeed(43)).Values));
    }

    [Fact]
    public void ValuesAreInRangeAndTheBackgroundIsDark()
    {
        var sampler = new TrainingSampler(11);
        for (var i = 0; i < 50; i++)
        {
            var clip = ClipGenerator.Render(sampler.Sample(i));
            Assert.Equal((16, 32, 32), (clip.Frames, clip.Height, clip.Width));
            Assert.All(clip.Values.ToArray(), v => Assert.InRange(v, -1f, 1f));
            var sorted = clip.Values.ToArray().Order().ToArray();
            Assert.True((sorted[sorted.Length / 2] + 1) / 2 < 0.2, "The median pixel should be dark background.");
        }
    }

    [Fact]
    public void ObjectsStayInFrameAndApartForEverySampledSpec()
    {
        var sampler = new TrainingSampler(12);
        for (var i = 0; i < 3000; i++)
        {
            var spec = sampler.Sample(i);
            var poses = ClipLayout.Plan(spec, SeededRandom.For(spec.Seed, 0), ClipGenerator.Frames, ClipGenerator.Size);
            foreach (var track in poses)
            {
                Assert.All(track, p =>
                {
                    Assert.InRange(p.X - p.HalfExtent, 0, ClipGenerator.Size);
                    Assert.InRange(p.X + p.HalfExtent, 0, ClipGenerator.Size);
                    Assert.InRange(p.Y - p.HalfExtent, 0, ClipGenerator.Size);
                    Assert.InRange(p.Y + p.HalfExtent, 0, ClipGenerator.Size);
                });
            }

            if (poses.Length == 2)
            {
                for (var t = 0; t < ClipGenerator.Frames; t++)
                {
                    var (a, b) = (poses[0][t], poses[1][t]);
                    var gap = a.HalfExtent + b.HalfExtent + 1;
                    Assert.True(Math.Abs(a.X - b.X) >= gap || Math.Abs(a.Y - b.Y) >= gap, $"{spec}: objects touch in frame {t}.");
                }
            }
        }
    }

    [Theory]
    [InlineData(Motion.Right, Speed.Slow, 0.6 * 15, 0)]
    [InlineData(Motion.Left, Speed.Fast, -1.4 * 15, 0)]
    [InlineData(Motion.Up, Speed.Fast, 0, -1.4 * 15)]
    [InlineData(Motion.Diagonal, Speed.Slow, 0.6 * 15 * 0.70710678, 0.6 * 15 * 0.70710678)]
    public void MovementRunsAtTheDocumentedSpeed(Motion motion, Speed speed, double dx, double dy)
    {
        var poses = ClipLayout.Plan(new ClipSpec(ObjectColour.Red, ShapeKind.Circle, motion, speed, 9), SeededRandom.For(9, 0), 16, 32)[0];
        Assert.Equal(dx, poses[15].X - poses[0].X, 6);
        Assert.Equal(dy, poses[15].Y - poses[0].Y, 6);
    }

    [Fact]
    public void RenderBatchStacksRenderedClips()
    {
        var specs = new TrainingSampler(1).SampleBatch(0, 3);
        using var batch = ClipGenerator.RenderBatch(specs);
        Assert.Equal(new long[] { 3, 3, 16, 32, 32 }, batch.shape);
        Assert.Equal(ScalarType.Float32, batch.dtype);
        using var second = batch[1];
        Assert.True(ClipGenerator.Render(specs[1]).Values.SequenceEqual(second.data<float>().ToArray()));
        Assert.Throws<ArgumentException>(() => ClipGenerator.RenderBatch([]));
    }
}
