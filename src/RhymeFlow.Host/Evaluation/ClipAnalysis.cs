namespace RhymeFlow.Host.Evaluation;

/// <summary>What the evaluator sees in a clip, with no caption to compare against.</summary>
/// <param name="Objects">Found objects, largest first.</param>
/// <param name="BackgroundFlicker">
/// Mean absolute frame-to-frame change of background pixels (RGB in [0,1], averaged over channels, over pixels that
/// are background in both frames). The procedural backgrounds are still, so ground truth gives 0.
/// </param>
public sealed record ClipAnalysis(IReadOnlyList<DetectedObject> Objects, double BackgroundFlicker);
