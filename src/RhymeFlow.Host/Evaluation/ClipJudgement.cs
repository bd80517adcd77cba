using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation;

/// <summary>How well a clip shows what its spec (caption) asks for.</summary>
/// <remarks>
/// Detected objects are matched to the spec's objects by colour (a spec's objects differ in colour). Each attribute is
/// correct only when it holds for every spec object. <see cref="Adherence"/> gives partial credit: the mean of
/// count (0 or 1) and, for colour, shape, motion and speed, the fraction of spec objects that have it right.
/// </remarks>
/// <param name="Expected">The spec the clip was judged against.</param>
/// <param name="Analysis">What the evaluator found in the clip.</param>
/// <param name="CountCorrect">As many objects found as the spec has.</param>
/// <param name="ColourCorrect">The found colours are exactly the spec's colours.</param>
/// <param name="ShapeCorrect">Every spec object was found with its shape.</param>
/// <param name="MotionCorrect">Every spec object was found doing the spec's motion (direction, bounce, growth, stillness).</param>
/// <param name="SpeedCorrect">Every spec object was found at the spec's speed (for a static spec: found static).</param>
/// <param name="Adherence">Partial-credit score in [0,1]; 1 when every attribute is correct.</param>
public sealed record ClipJudgement(
    ClipSpec Expected,
    ClipAnalysis Analysis,
    bool CountCorrect,
    bool ColourCorrect,
    bool ShapeCorrect,
    bool MotionCorrect,
    bool SpeedCorrect,
    double Adherence)
{
    public double BackgroundFlicker => Analysis.BackgroundFlicker;

    public bool AllCorrect => CountCorrect && ColourCorrect && ShapeCorrect && MotionCorrect && SpeedCorrect;
}
