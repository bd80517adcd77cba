using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// diffusers' <c>CogVideoXDDIMScheduler.step</c> with eta 0 and v-prediction, deterministic:
/// x0 = √ᾱ_t x − √(1 − ᾱ_t) v; x ← A x + (√ᾱ_prev − √ᾱ_t A) x0 with A = √((1 − ᾱ_prev) / (1 − ᾱ_t)).
/// Coefficients in float64, applied in the sample's dtype, as diffusers does.
/// </summary>
public sealed class CogVideoXDdimSolver(VpSchedule schedule) : IVpSolver
{
    /// <inheritdoc/>
    public VpSchedule Schedule { get; } = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <inheritdoc/>
    public Tensor Step(int step, Tensor sample, Tensor prediction)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(prediction);
        Schedule.CheckStep(step);
        var (alpha, previous) = (Schedule.Alpha(step), Schedule.PreviousAlpha(step));
        var a = Math.Sqrt((1 - previous) / (1 - alpha));
        using var scope = NewDisposeScope();
        var original = VpPrediction.Original(sample, prediction.to(sample.dtype), alpha);
        using var sampleWeight = a.ToScalar();
        using var originalWeight = (Math.Sqrt(previous) - (Math.Sqrt(alpha) * a)).ToScalar();
        return sample.mul(sampleWeight).add(original.mul(originalWeight), Scalars.One).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Reset()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
