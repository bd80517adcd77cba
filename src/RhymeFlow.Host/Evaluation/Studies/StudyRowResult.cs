using RhymeFlow.Core;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>What one row of a study measured over every caption.</summary>
/// <param name="Row">The row as the study file resolved it.</param>
/// <param name="MedianSeconds">Median wall time of a clip (prompt encoding, denoising and decoding) over captions and repeats.</param>
/// <param name="MeasuredSpeedup">The reference row's median over this row's: measured in the same run, rows interleaved.</param>
/// <param name="ExecutedFraction">For a step cache, the share of the dense block work it executed; NaN otherwise.</param>
/// <param name="ComputedSteps">For a step cache, the mean number of steps that ran the block stack; NaN otherwise.</param>
/// <param name="Psnr">Mean PSNR (dB, capped at 100) against the reference row's clip of the same caption and seed.</param>
/// <param name="Ssim">Mean SSIM against the reference row's clip.</param>
/// <param name="Adherence">What <see cref="ClipEvaluator"/> judged right, with 95% intervals.</param>
public sealed record StudyRowResult(
    StudyRowPlan Row,
    double MedianSeconds,
    double MeasuredSpeedup,
    double ExecutedFraction,
    double ComputedSteps,
    double Psnr,
    double Ssim,
    AdherenceSummary Adherence)
{
    public string Name => Row.Name;

    public StudyMethodKind Method => Row.Method;

    /// <summary>The cost model's speedup; for a step cache, the inverse of the executed block work.</summary>
    public double PredictedSpeedup => double.IsNaN(Row.PredictedSpeedup) && ExecutedFraction > 0 ? 1 / ExecutedFraction : Row.PredictedSpeedup;
}
