using ScottPlot;

namespace RhymeFlow.Train;

/// <summary>The trainer's pictures, drawn with ScottPlot.</summary>
internal static class TrainingCharts
{
    /// <summary>Raw losses as faint points and their exponential moving average, against the step.</summary>
    public static void Loss(IReadOnlyList<(long Step, double Loss)> points, string path)
    {
        var finite = points.Where(p => double.IsFinite(p.Loss)).ToArray();
        var plot = new Plot();
        plot.Title("Training loss (velocity MSE)");
        plot.XLabel("step");
        plot.YLabel("loss");
        if (finite.Length > 0)
        {
            var steps = finite.Select(p => (double)p.Step).ToArray();
            var raw = plot.Add.ScatterPoints(steps, finite.Select(p => p.Loss).ToArray());
            raw.Color = Colors.Gray.WithAlpha(0.35);
            raw.MarkerSize = 2;
            raw.LegendText = "per step";

            // A time constant of about a twentieth of the run, at most 50 steps.
            var smoothing = Math.Clamp(1 - (20.0 / finite.Length), 0, 0.98);
            var average = finite[0].Loss;
            var smoothed = finite.Select(p => average = (smoothing * average) + ((1 - smoothing) * p.Loss)).ToArray();
            var line = plot.Add.ScatterLine(steps, smoothed);
            line.Color = Colors.OrangeRed;
            line.LineWidth = 2;
            line.LegendText = "moving average";
            var sorted = finite.Select(p => p.Loss).Order().ToArray();
            plot.Axes.SetLimitsY(0, Math.Max(sorted[(int)Math.Floor(0.99 * (sorted.Length - 1))], smoothed.Max()) * 1.05);
            plot.ShowLegend(Alignment.UpperRight);
        }

        Save(plot, path);
    }

    /// <summary>Held-out accuracy per attribute against the run's wall time in minutes.</summary>
    public static void Accuracy(IReadOnlyList<AccuracyPoint> points, string path)
    {
        var plot = new Plot();
        plot.Title($"Held-out accuracy while training ({points[^1].Step} steps)");
        plot.XLabel("training wall time (minutes)");
        plot.YLabel("accuracy (%)");
        var minutes = points.Select(p => p.Minutes).ToArray();
        foreach (var (name, pick, colour) in new (string, Func<AccuracyPoint, double>, Color)[]
        {
            ("colour", p => p.Colour, Colors.Crimson),
            ("shape", p => p.Shape, Colors.SeaGreen),
            ("direction/motion", p => p.Motion, Colors.RoyalBlue),
            ("all", p => p.All, Colors.Black),
        })
        {
            var series = plot.Add.Scatter(minutes, points.Select(p => 100 * pick(p)).ToArray());
            series.Color = colour;
            series.LineWidth = 2;
            series.MarkerSize = 5;
            series.LegendText = name;
        }

        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        Save(plot, path);
    }

    /// <summary>Writes the PNG through a temporary file, so a reader never sees half a picture.</summary>
    private static void Save(Plot plot, string path)
    {
        var temporary = path + ".tmp.png";
        plot.SavePng(temporary, 720, 420);
        File.Move(temporary, path, overwrite: true);
    }
}
