namespace RhymeFlow.Host.Evaluation;

/// <summary>The per-attribute accuracies of a set of judged clips (e.g. the 64 held-out captions).</summary>
public sealed record AdherenceSummary(
    AttributeAccuracy Colour,
    AttributeAccuracy Shape,
    AttributeAccuracy Motion,
    AttributeAccuracy Speed,
    AttributeAccuracy Count,
    AttributeAccuracy All,
    double MeanAdherence)
{
    /// <summary>Summarises judgements.</summary>
    public static AdherenceSummary Of(IReadOnlyList<ClipJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        return new(
            AttributeAccuracy.Of(judgements, j => j.ColourCorrect),
            AttributeAccuracy.Of(judgements, j => j.ShapeCorrect),
            AttributeAccuracy.Of(judgements, j => j.MotionCorrect),
            AttributeAccuracy.Of(judgements, j => j.SpeedCorrect),
            AttributeAccuracy.Of(judgements, j => j.CountCorrect),
            AttributeAccuracy.Of(judgements, j => j.AllCorrect),
            judgements.Count == 0 ? double.NaN : judgements.Average(j => j.Adherence));
    }

    /// <summary>One line: "colour 90.6%, shape 71.9%, direction 81.2%, speed …, count …, all …".</summary>
    public string ToLine() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"colour {100 * Colour.Rate:F1}%, shape {100 * Shape.Rate:F1}%, direction/motion {100 * Motion.Rate:F1}%, speed {100 * Speed.Rate:F1}%, count {100 * Count.Rate:F1}%, all {100 * All.Rate:F1}% (n = {All.Total}); mean adherence {MeanAdherence:F3}");
}
