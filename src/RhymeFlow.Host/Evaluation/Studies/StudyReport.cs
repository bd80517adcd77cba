using System.Globalization;
using System.Text;
using RhymeFlow.Core;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>
/// The study as Markdown: settings, the table of every row, and the issue's goals stated as results (met or missed,
/// and by how much).
/// </summary>
public static class StudyReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The whole report.</summary>
    /// <param name="result">The finished study.</param>
    /// <param name="command">The command line that ran it, quoted in the report.</param>
    /// <param name="paretoImage">The Pareto picture's path relative to the report, or null.</param>
    /// <param name="sheetImage">The contact sheet's path relative to the report, or null.</param>
    public static string Markdown(StudyResult result, string command, string? paretoImage, string? sheetImage)
    {
        ArgumentNullException.ThrowIfNull(result);
        var plan = result.Plan;
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"# {plan.Name}");
        text.AppendLine();
        text.AppendLine(Invariant, $"Measured {result.Started:yyyy-MM-dd} on {result.Device}, in one run of {result.Elapsed.TotalMinutes:F1} minutes:");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(command);
        text.AppendLine("```");
        text.AppendLine();
        var repeats = plan.Repeats > 1 ? $" and {plan.Repeats} repeats" : string.Empty;
        text.AppendLine(string.Create(Invariant,
            $"{plan.Captions} held-out captions of the built-in model, each with its fixed seed; {plan.Steps} steps, CFG {plan.Guidance}; reference row `{plan.Reference}`. ") +
            "Every row generated every caption; rows were interleaved caption by caption in rotating order after one untimed warm-up clip each, " +
            $"and a row's time is the median clip wall time over captions{repeats}. " +
            "PSNR and SSIM compare each clip with the reference row's clip of the same caption and seed (PSNR capped at 100 dB for identical clips). " +
            "Adherence is the evaluator's judgement, with 95% Wilson intervals.");
        text.AppendLine();
        text.Append(Table(result));
        text.AppendLine();
        text.AppendLine("Predicted: the cost model's FLOP ratio to dense; for a step cache, dense block work over the block work it executed (the executed FLOPs column).");
        text.AppendLine();
        text.Append(Goals(result));
        if (paretoImage is not null)
        {
            text.AppendLine();
            text.AppendLine("## Speed against fidelity");
            text.AppendLine();
            text.AppendLine(Invariant, $"![Measured speedup against PSNR to the reference, one marker style per method]({paretoImage})");
        }

        if (sheetImage is not null)
        {
            text.AppendLine();
            text.AppendLine("## One caption under each method");
            text.AppendLine();
            text.AppendLine(Invariant, $"\"{result.SheetCaption}\", every third frame; rows top to bottom: {string.Join(", ", result.SheetClips.Select(c => c.Row))}.");
            text.AppendLine();
            text.AppendLine(Invariant, $"![Contact sheet]({sheetImage})");
        }

        return text.ToString();
    }

    /// <summary>Writes <see cref="Markdown"/> to <paramref name="path"/> atomically: a reader sees the old report or the whole new one.</summary>
    public static void Save(string path, StudyResult result, string command, string? paretoImage, string? sheetImage)
    {
        var bytes = Encoding.UTF8.GetBytes(Markdown(result, command, paretoImage, sheetImage));
        Media.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The table of every row.</summary>
    public static string Table(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.AppendLine("| row | method | measured speedup | predicted | executed FLOPs | s per clip | PSNR (dB) | SSIM | colour | shape | direction | all |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in result.Rows)
        {
            var reference = row.Name == result.Plan.Reference;
            text.AppendLine(string.Create(Invariant,
                $"| {row.Name} | {MethodName(row.Method)} | {row.MeasuredSpeedup:F2}x | {Number(row.PredictedSpeedup, "F2", "x")} | {Percent(row.ExecutedFraction)} | {row.MedianSeconds:F2} | " +
                $"{(reference ? "—" : row.Psnr.ToString("F2", Invariant))} | {(reference ? "—" : row.Ssim.ToString("F3", Invariant))} | " +
                $"{row.Adherence.Colour} | {row.Adherence.Shape} | {row.Adherence.Motion} | {row.Adherence.All} |"));
        }

        return text.ToString();
    }

    /// <summary>The method's name in tables and legends.</summary>
    public static string MethodName(StudyMethodKind method) => method switch
    {
        StudyMethodKind.Dense => "dense",
        StudyMethodKind.RhymeFlow => "RhymeFlow",
        StudyMethodKind.FewerSteps => "fewer steps",
        StudyMethodKind.TeaCache => "TeaCache",
        StudyMethodKind.FirstBlockCache => "first-block cache",
        StudyMethodKind.AsymRnR => "AsymRnR",
        StudyMethodKind.RhymeFlowAsymRnR => "RhymeFlow + AsymRnR",
        _ => method.ToString(),
    };

    private static string Goals(StudyResult result)
    {
        var text = new StringBuilder();
        text.AppendLine("## Goals, as measured");
        text.AppendLine();
        var dense = result.Reference;
        var rhymeFlow = result.First(StudyMethodKind.RhymeFlow);
        if (rhymeFlow is null)
        {
            text.AppendLine("The study has no RhymeFlow row, so none of the goals can be checked.");
            return text.ToString();
        }

        text.AppendLine(Invariant, $"RhymeFlow is the first RhymeFlow row, `{rhymeFlow.Name}`: {rhymeFlow.MeasuredSpeedup:F2}x measured, {rhymeFlow.Psnr:F2} dB.");
        text.AppendLine();
        foreach (var rival in new[] { StudyMethodKind.FewerSteps, StudyMethodKind.TeaCache })
        {
            var nearest = Nearest(result, rival, rhymeFlow.MeasuredSpeedup);
            if (nearest is null)
            {
                continue;
            }

            var margin = rhymeFlow.Psnr - nearest.Psnr;
            text.AppendLine(string.Create(Invariant,
                $"- **PSNR at about the same speed, against {MethodName(rival)}** (`{nearest.Name}`, the nearest in measured speedup, {nearest.MeasuredSpeedup:F2}x): " +
                $"{rhymeFlow.Psnr:F2} against {nearest.Psnr:F2} dB, {(margin > 0 ? "met" : "missed")} by {Math.Abs(margin):F2} dB."));
        }

        var worst = Gaps(dense, rhymeFlow).MaxBy(g => g.Drop);
        text.AppendLine(string.Create(Invariant,
            $"- **Adherence within 2 points of dense**: the largest drop is {worst.Name}, {worst.Drop:F1} points: {(worst.Drop <= 2 ? "met" : "missed")}. " +
            $"({string.Join(", ", Gaps(dense, rhymeFlow).Select(g => $"{g.Name} {-g.Drop:+0.0;-0.0;0.0}"))}.)"));

        var both = result.First(StudyMethodKind.RhymeFlowAsymRnR);
        var asymRnR = result.First(StudyMethodKind.AsymRnR);
        if (both is not null && asymRnR is not null)
        {
            var faster = both.MeasuredSpeedup > rhymeFlow.MeasuredSpeedup && both.MeasuredSpeedup > asymRnR.MeasuredSpeedup;
            var composedWorst = Gaps(dense, both).MaxBy(g => g.Drop);
            text.AppendLine(string.Create(Invariant,
                $"- **RhymeFlow + AsymRnR faster than either alone** (`{both.Name}` {both.MeasuredSpeedup:F2}x, `{rhymeFlow.Name}` {rhymeFlow.MeasuredSpeedup:F2}x, `{asymRnR.Name}` {asymRnR.MeasuredSpeedup:F2}x): {(faster ? "met" : "missed")}; " +
                $"adherence within 3 points: largest drop {composedWorst.Name} {composedWorst.Drop:F1} points, {(composedWorst.Drop <= 3 ? "met" : "missed")}."));
        }

        return text.ToString();
    }

    private static StudyRowResult? Nearest(StudyResult result, StudyMethodKind method, double speedup) =>
        result.Rows.Where(r => r.Method == method).MinBy(r => Math.Abs(Math.Log(r.MeasuredSpeedup / speedup)));

    /// <summary>Points lost against dense (negative when the row does better), per attribute the goals name.</summary>
    private static IEnumerable<(string Name, double Drop)> Gaps(StudyRowResult dense, StudyRowResult row) =>
    [
        ("colour", 100 * (dense.Adherence.Colour.Rate - row.Adherence.Colour.Rate)),
        ("shape", 100 * (dense.Adherence.Shape.Rate - row.Adherence.Shape.Rate)),
        ("direction", 100 * (dense.Adherence.Motion.Rate - row.Adherence.Motion.Rate)),
        ("all", 100 * (dense.Adherence.All.Rate - row.Adherence.All.Rate)),
    ];

    private static string Number(double value, string format, string suffix) =>
        double.IsNaN(value) ? "—" : value.ToString(format, Invariant) + suffix;

    private static string Percent(double fraction) =>
        double.IsNaN(fraction) ? "—" : (100 * fraction).ToString("F0", Invariant) + "%";
}
