using RhymeFlow.Host.BuiltIn.Training;

namespace RhymeFlow.Host.Tests.BuiltIn.Training;

public sealed class LossCurvePlotTests
{
    [Fact]
    public void Draws_axes_and_an_orange_curve_that_falls_from_left_to_right()
    {
        var points = Enumerable.Range(0, 200).Select(i => ((long)i, 2.0 * Math.Exp(-i / 40.0) + 0.5)).ToList();
        var image = LossCurvePlot.Render(points, 320, 200);
        Assert.Equal((320, 200), (image.Width, image.Height));
        int CurveRow(int x) => Enumerable.Range(0, image.Height).First(y => image.GetPixel(x, y) == (230, 110, 0));
        Assert.True(CurveRow(40) < CurveRow(300), "the curve should be higher on the left");
        Assert.Equal((0, 0, 0), image.GetPixel(24, 100)); // y axis
    }

    [Fact]
    public void Empty_or_non_finite_input_still_gives_a_picture() =>
        Assert.Equal(480, LossCurvePlot.Render([(0L, double.NaN)]).Width);
}
