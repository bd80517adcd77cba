using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class HeldOutCaptionsTests
{
    [Fact]
    public void ThereAre64DistinctFixedSpecsEachTouchingAHeldOutCombination()
    {
        Assert.Equal(64, HeldOutCaptions.Specs.Count);
        Assert.Equal(64, HeldOutCaptions.Captions.Distinct().Count());
        Assert.Equal(64, HeldOutCaptions.Specs.Select(s => s.Seed).Distinct().Count());
        Assert.All(HeldOutCaptions.Specs, s => Assert.True(HeldOutCaptions.Touches(s), s.ToString()));
        Assert.Equal(18, HeldOutCaptions.Combinations.Distinct().Count());
        Assert.Equal(34, HeldOutCaptions.Specs.Count(s => s.Second is null));
    }

    [Fact]
    public void TheListIsPinned()
    {
        // These are evaluation data: a change here invalidates every earlier comparison.
        Assert.Equal("a red circle moving left slowly", HeldOutCaptions.Captions[0]);
        Assert.Equal(900_000, HeldOutCaptions.Specs[0].Seed);
        Assert.Equal(900_063, HeldOutCaptions.Specs[63].Seed);
        Assert.Equal(
            "red circle left, yellow square left, blue square right, cyan triangle right, magenta triangle up, green circle up",
            string.Join(", ", HeldOutCaptions.Combinations.Take(6)));
    }

    [Fact]
    public void EveryColourShapeAndMotionIsHeldOutSomewhere()
    {
        Assert.Equal(6, HeldOutCaptions.Combinations.Select(c => c.Colour).Distinct().Count());
        Assert.Equal(3, HeldOutCaptions.Combinations.Select(c => c.Shape).Distinct().Count());
        Assert.Equal(9, HeldOutCaptions.Combinations.Select(c => c.Motion).Distinct().Count());
    }

    [Fact]
    public void TheTrainingSamplerNeverProducesAHeldOutCaptionButCoversTheRest()
    {
        var sampler = new TrainingSampler(seed: 1);
        var heldOut = HeldOutCaptions.Captions.ToHashSet();
        var seen = new HashSet<(ObjectColour, ShapeKind, Motion)>();
        for (var i = 0; i < 20_000; i++)
        {
            var spec = sampler.Sample(i);
            Assert.False(HeldOutCaptions.Touches(spec), spec.ToString());
            Assert.DoesNotContain(Caption.Render(spec), heldOut);
            foreach (var o in spec.Objects)
            {
                seen.Add((o.Colour, o.Shape, spec.Motion));
            }
        }

        Assert.Equal((6 * 3 * 9) - 18, seen.Count);
    }

    [Fact]
    public void TheSamplerIsCounterBased()
    {
        var a = new TrainingSampler(seed: 3);
        var b = new TrainingSampler(seed: 3);
        Assert.Equal(a.Sample(1234), b.Sample(1234));
        Assert.Equal(a.SampleBatch(10, 4), Enumerable.Range(10, 4).Select(i => b.Sample(i)));
        Assert.NotEqual(a.Sample(1), new TrainingSampler(seed: 4).Sample(1));
        var specs = a.SampleBatch(0, 1000);
        Assert.InRange(specs.Count(s => s.Second is not null), 400, 600);
    }
}
