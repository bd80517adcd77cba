using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>
/// A small loss-curve picture without text: raw losses as grey dots, an exponential moving average (the smoothed
/// curve) in orange, axes with ten ticks each. The y axis runs linearly from 0 to the 98th percentile of the losses,
/// the x axis from the first to the last step; print the numbers next to the picture (the trainer's CSV has them).
/// </summary>
public static class LossCurvePlot
{
    public static RgbImage Render(IReadOnlyList<(long Step, double Loss)> points, int width = 480, int height = 270, double smoothing = 0.98)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 48);
        var image = new RgbImage(width, height);
        image.Pixels.Fill(255);
        const int left = 24, bottom = 16, top = 8, right = 8;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var finite = points.Where(p => double.IsFinite(p.Loss)).ToArray();
        if (finite.Length > 0)
        {
            var sorted = finite.Select(p => p.Loss).Order().ToArray();
            var yMax = Math.Max(1e-12, sorted[(int)Math.Floor(0.98 * (sorted.Length - 1))] * 1.05);
            var xMin = finite[0].Step;
            var xSpan = Math.Max(1, finite[^1].Step - xMin);
            int X(long step) => left + (int)Math.Round((step - xMin) * (plotWidth - 1) / (double)xSpan);
            int Y(double loss) => top + plotHeight - 1 - (int)Math.Round(Math.Clamp(loss / yMax, 0, 1) * (plotHeight - 1));

            foreach (var (step, loss) in finite)
            {
                Set(image, X(step), Y(loss), 190, 190, 190);
            }

            var average = finite[0].Loss;
            (int X, int Y)? previous = null;
            foreach (var (step, loss) in finite)
            {
                average = (smoothing * average) + ((1 - smoothing) * loss);
                var point = (X(step), Y(average));
                if (previous is { } from)
                {
                    Line(image, from, point, 230, 110, 0);
                }

                previous = point;
            }
        }

        Line(image, (left, top), (left, top + plotHeight), 0, 0, 0);
        Line(image, (left, top + plotHeight), (left + plotWidth, top + plotHeight), 0, 0, 0);
        for (var i = 0; i <= 10; i++)
        {
            var x = left + (i * (plotWidth - 1) / 10);
            var y = top + plotHeight - (i * plotHeight / 10);
            Line(image, (x, top + plotHeight), (x, top + plotHeight + 4), 0, 0, 0);
            Line(image, (left - 4, y), (left, y), 0, 0, 0);
        }

        return image;
    }

    private static void Line(RgbImage image, (int X, int Y) from, (int X, int Y) to, byte r, byte g, byte b)
    {
        var steps = Math.Max(Math.Abs(to.X - from.X), Math.Abs(to.Y - from.Y));
        for (var i = 0; i <= steps; i++)
        {
            var t = steps == 0 ? 0 : i / (double)steps;
            Set(image, (int)Math.Round(from.X + (t * (to.X - from.X))), (int)Math.Round(from.Y + (t * (to.Y - from.Y))), r, g, b);
        }
    }

    private static void Set(RgbImage image, int x, int y, byte r, byte g, byte b)
    {
        if (x >= 0 && y >= 0 && x < image.Width && y < image.Height)
        {
            image.SetPixel(x, y, r, g, b);
        }
    }
}
