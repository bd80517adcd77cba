using RhymeFlow.Core;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>A finished study: a result per row, and the clips of the contact sheet's caption.</summary>
/// <param name="Plan">The study that ran.</param>
/// <param name="Rows">A result per row, in the study file's order.</param>
/// <param name="SheetCaption">The caption of the contact sheet.</param>
/// <param name="SheetClips">That caption's clip under each of the study's sheet rows, in order.</param>
/// <param name="Device">Where it ran, in words.</param>
/// <param name="Started">When it started.</param>
/// <param name="Elapsed">How long the whole study took, warm-up included.</param>
public sealed record StudyResult(
    StudyPlan Plan,
    IReadOnlyList<StudyRowResult> Rows,
    string SheetCaption,
    IReadOnlyList<(string Row, VideoClip Clip)> SheetClips,
    string Device,
    DateTimeOffset Started,
    TimeSpan Elapsed)
{
    public StudyRowResult Reference => Rows.Single(r => r.Name == Plan.Reference);

    /// <summary>Jobs that failed deterministically (a caption the model cannot read), once each with the error.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>Jobs and comparisons the table still lacks (0 for a finished study); rows are partial while it is not.</summary>
    public int Missing { get; init; }

    /// <summary>The first row of <paramref name="method"/>, or null.</summary>
    public StudyRowResult? First(StudyMethodKind method) => Rows.FirstOrDefault(r => r.Method == method);
}
