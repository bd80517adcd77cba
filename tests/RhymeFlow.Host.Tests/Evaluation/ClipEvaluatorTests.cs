using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Evaluation;

public sealed class ClipEvaluatorTests
{
    [Fact]
    public void AWrongCaptionScoresLower()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a red circle moving left quickly", 3));
        var right = ClipEvaluator.Evaluate(clip, "a red circle moving left quickly");
        var wrong = ClipEvaluator.Evaluate(clip, "a red square moving right slowly");
        var absent = ClipEvaluator.Evaluate(clip, "a blue triangle and a green circle growing slowly");
        Assert.Equal(1.0, right.Adherence);
        Assert.True(wrong.ColourCorrect && !wrong.ShapeCorrect && !wrong.MotionCorrect && !wrong.SpeedCorrect);
        Assert.Equal(0.4, wrong.Adherence, 6);
        Assert.Equal(0.0, absent.Adherence);
    }

    [Fact]
    public void ATimeReversedClipMovesTheOtherWay()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a green square growing quickly", 6));
        var reversed = Reverse(clip);
        var found = Assert.Single(ClipEvaluator.Analyse(reversed).Objects);
        Assert.Equal(Motion.Shrinking, found.Motion);
        Assert.True(ClipEvaluator.Evaluate(reversed, "a green square shrinking quickly").AllCorrect);
    }

    [Fact]
    public void FlickerMeasuresBackgroundChange()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a yellow circle staying still", 8));
        Assert.Equal(0, ClipEvaluator.Analyse(clip).BackgroundFlicker, 6);

        // Brighten every other frame by 0.02 in [-1,1], i.e. 0.01 in [0,1]: each frame-to-frame change is 0.01.
        var values = clip.Values.ToArray();
        var plane = clip.Height * clip.Width;
        for (var c = 0; c < 3; c++)
        {
            for (var f = 1; f < clip.Frames; f += 2)
            {
                for (var p = 0; p < plane; p++)
                {
                    values[(((c * clip.Frames) + f) * plane) + p] += 0.02f;
                }
            }
        }

        var flickering = ClipEvaluator.Analyse(new VideoClip(clip.Frames, clip.Height, clip.Width, values));
        Assert.Equal(0.01, flickering.BackgroundFlicker, 4);
        Assert.Single(flickering.Objects);
    }

    [Fact]
    public void AnEmptyBackgroundHasNoObjects()
    {
        var clip = ClipGenerator.Render(Caption.Parse("a red circle staying still", 1));
        var values = clip.Values.ToArray();
        Array.Fill(values, -0.8f);
        var analysis = ClipEvaluator.Analyse(new VideoClip(clip.Frames, clip.Height, clip.Width, values));
        Assert.Empty(analysis.Objects);
        var judgement = ClipEvaluator.Evaluate(new VideoClip(clip.Frames, clip.Height, clip.Width, values), "a red circle staying still");
        Assert.Equal(0.0, judgement.Adherence);
    }

    [Fact]
    public void AcceptsATensorInMinusOneToOne()
    {
        var spec = Caption.Parse("a magenta triangle and a cyan circle moving diagonally quickly", 10);
        using var batch = ClipGenerator.RenderBatch([spec]);
        var analysis = ClipEvaluator.Analyse(batch);
        Assert.Equal(2, analysis.Objects.Count);
        Assert.All(analysis.Objects, o => Assert.Equal(Motion.Diagonal, o.Motion));
        using var wrongShape = zeros([2, 3, 16, 32, 32]);
        Assert.Throws<ArgumentException>(() => ClipEvaluator.Analyse(wrongShape));
    }

    private static VideoClip Reverse(VideoClip clip)
    {
        var values = new float[clip.Values.Length];
        var plane = clip.Height * clip.Width;
        for (var c = 0; c < 3; c++)
        {
            for (var f = 0; f < clip.Frames; f++)
            {
                clip.Values.Slice((((c * clip.Frames) + f) * plane), plane).CopyTo(values.AsSpan(((c * clip.Frames) + (clip.Frames - 1 - f)) * plane));
            }
        }

        return new VideoClip(clip.Frames, clip.Height, clip.Width, values);
    }
}
