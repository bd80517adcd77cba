namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>One clip of a study has been generated and judged.</summary>
/// <param name="Row">The row it belongs to.</param>
/// <param name="Caption">Its caption.</param>
/// <param name="Seconds">Its wall time; warm-up clips are not timed into the results.</param>
/// <param name="Done">Clips finished, warm-up included.</param>
/// <param name="Total">Clips the study runs, warm-up included.</param>
/// <param name="WarmUp">Whether this was an untimed warm-up clip.</param>
public sealed record StudyClipEvent(string Row, string Caption, double Seconds, int Done, int Total, bool WarmUp);
