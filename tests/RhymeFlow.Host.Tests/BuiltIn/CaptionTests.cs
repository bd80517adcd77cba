using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class CaptionTests
{
    public static TheoryData<string> Examples() =>
    [
        "a red circle moving left quickly",
        "a blue square and a yellow triangle moving up slowly",
        "a cyan triangle staying still",
        "a green circle growing quickly",
        "a magenta square and a red circle bouncing slowly",
        "a yellow square moving diagonally quickly",
    ];

    [Theory]
    [MemberData(nameof(Examples))]
    public void RendersWhatItParses(string caption) => Assert.Equal(caption, Caption.Render(Caption.Parse(caption)));

    [Fact]
    public void EveryOneObjectSpecRoundTrips()
    {
        foreach (var colour in Enum.GetValues<ObjectColour>())
        {
            foreach (var shape in Enum.GetValues<ShapeKind>())
            {
                foreach (var motion in Enum.GetValues<Motion>())
                {
                    foreach (var speed in Enum.GetValues<Speed>())
                    {
                        var spec = new ClipSpec(colour, shape, motion, speed, seed: 5);
                        Assert.Equal(spec, Caption.Parse(Caption.Render(spec), seed: 5));
                    }
                }
            }
        }
    }

    [Fact]
    public void SampledTwoObjectSpecsRoundTrip()
    {
        var sampler = new TrainingSampler(3);
        for (var i = 0; i < 500; i++)
        {
            var spec = sampler.Sample(i);
            Assert.Equal(spec, Caption.Parse(Caption.Render(spec), spec.Seed));
        }
    }

    [Fact]
    public void ParsesTheIssueExampleWithoutSpeedAsSlow()
    {
        var spec = Caption.Parse("A blue square and a yellow triangle moving up.");
        Assert.Equal(new ClipSpec(new ClipObject(ObjectColour.Blue, ShapeKind.Square), new ClipObject(ObjectColour.Yellow, ShapeKind.Triangle), Motion.Up, Speed.Slow), spec);
    }

    [Fact]
    public void StaticIgnoresSpeed()
    {
        var spec = new ClipSpec(ObjectColour.Red, ShapeKind.Circle, Motion.Static, Speed.Fast);
        Assert.Equal(Speed.Slow, spec.Speed);
        Assert.Equal("a red circle staying still", Caption.Render(spec));
    }

    [Theory]
    [InlineData("a pink circle moving left", "'pink'", "red, green, blue")]
    [InlineData("a red blob moving left", "'blob'", "circle, square, triangle")]
    [InlineData("a red circle moving sideways", "'sideways'", "left, right, up, down, diagonally")]
    [InlineData("a red circle", "at the end", "moving")]
    [InlineData("a red circle moving left quickly now", "'now'", "the end of the caption")]
    [InlineData("the red circle moving left", "'the'", "'a'")]
    public void RejectsBadCaptionsNamingTheWordAndWhatWasExpected(string caption, string found, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Caption.Parse(caption));
        Assert.Contains(found, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.False(Caption.TryParse(caption, 0, out _));
    }

    [Fact]
    public void RejectsTwoObjectsOfOneColour()
    {
        Assert.Throws<FormatException>(() => Caption.Parse("a red circle and a red square moving up slowly"));
        var error = Assert.Throws<ArgumentException>(() => new ClipSpec(
            new ClipObject(ObjectColour.Red, ShapeKind.Circle), new ClipObject(ObjectColour.Red, ShapeKind.Square), Motion.Up, Speed.Slow));
        Assert.Contains("red", error.Message);
    }
}
