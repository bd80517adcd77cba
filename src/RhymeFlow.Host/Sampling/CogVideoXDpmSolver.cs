using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// diffusers' <c>CogVideoXDPMScheduler.step</c> with v-prediction: a stochastic DPM-Solver++(2M) that adds fresh
/// noise at every step whatever eta is. With λ(ᾱ) = ½ ln(ᾱ / (1 − ᾱ)), h = λ_prev − λ_t,
/// m1 = √((1 − ᾱ_prev) / (1 − ᾱ_t)) e^(−h), m2 = (e^(−2h) − 1) √ᾱ_prev, s = √(1 − ᾱ_prev) √(1 − e^(−2h)):
/// first and final steps x ← m1 x − m2 x0 + s z; otherwise, with r = (λ_t − λ_back) / h and the previous step's x0,
/// D = (1 + 1/(2r)) x0 − (1/(2r)) x0_prev and x ← m1 x − m2 D + s z.
/// </summary>
/// <remarks>
/// <para>The infinities that zero terminal SNR brings (ᾱ = 0 at the first timestep, 1 after the last) resolve as IEEE
/// arithmetic gives them, as in diffusers: the first step has m1 = 0, the second r = ∞ (so D = x0), the last s = 0.</para>
/// <para>z comes from <see cref="INoiseSource"/>, one draw per step (diffusers draws a second, unused one on the
/// middle steps); the fixture's per-step noise makes the loop reproducible. The solver keeps the previous x0 and
/// checks that steps come in order from 0.</para>
/// </remarks>
public sealed class CogVideoXDpmSolver : IVpSolver
{
    private readonly INoiseSource noise;
    private readonly SeededNoise? ownedNoise;
    private Tensor? previousOriginal;
    private int nextStep;

    /// <summary>Creates the solver with noise from <paramref name="noise"/> (the caller's), or from a <see cref="SeededNoise"/> of seed 0.</summary>
    public CogVideoXDpmSolver(VpSchedule schedule, INoiseSource? noise = null)
        : this(schedule, noise, noise is null ? new SeededNoise(0) : null)
    {
    }

    /// <summary>Creates the solver with noise from a <see cref="SeededNoise"/> of <paramref name="seed"/>, which it owns.</summary>
    public CogVideoXDpmSolver(VpSchedule schedule, long seed)
        : this(schedule, null, new SeededNoise(seed))
    {
    }

    private CogVideoXDpmSolver(VpSchedule schedule, INoiseSource? noise, SeededNoise? owned)
    {
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        ownedNoise = owned;
        this.noise = noise ?? owned!;
    }

    /// <inheritdoc/>
    public VpSchedule Schedule { get; }

    /// <inheritdoc/>
    public Tensor Step(int step, Tensor sample, Tensor prediction)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(prediction);
        Schedule.CheckStep(step);
        if (step != nextStep)
        {
            throw new InvalidOperationException($"multistep solver: expected step {nextStep}, got {step} (call Reset for a new trajectory)");
        }

        var (alpha, previous) = (Schedule.Alpha(step), Schedule.PreviousAlpha(step));
        var lambda = Lambda(alpha);
        var h = Lambda(previous) - lambda;
        var m1 = Math.Sqrt((1 - previous) / (1 - alpha)) * Math.Exp(-h);

        // e^(−2h) − 1 without an expm1 in .NET: the cancellation costs a few float64 ulps, far below float32.
        var m2 = (Math.Exp(-2 * h) - 1) * Math.Sqrt(previous);
        var s = Math.Sqrt(1 - previous) * Math.Sqrt(1 - Math.Exp(-2 * h));

        using var scope = NewDisposeScope();
        var original = VpPrediction.Original(sample, prediction.to(sample.dtype), alpha);
        var denoised = original;
        if (previousOriginal is not null && !Schedule.IsFinal(step))
        {
            var r = (lambda - Lambda(Schedule.AlphasCumprod[Schedule.Timesteps[step - 1]])) / h;
            using var current = (1 + (1 / (2 * r))).ToScalar();
            using var back = (-1 / (2 * r)).ToScalar();
            denoised = original.mul(current).add(previousOriginal, back);
        }

        using var z = noise.Noise(step, sample);
        using var sampleWeight = m1.ToScalar();
        using var denoisedWeight = (-m2).ToScalar();
        using var noiseWeight = s.ToScalar();
        var next = sample.mul(sampleWeight).add(denoised, denoisedWeight).add(z.to(sample.dtype), noiseWeight);

        previousOriginal?.Dispose();
        previousOriginal = original.DetachFromDisposeScope();
        nextStep = step + 1;
        return next.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Reset()
    {
        previousOriginal?.Dispose();
        previousOriginal = null;
        nextStep = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Reset();
        ownedNoise?.Dispose();
    }

    /// <summary>λ = ln √(ᾱ / (1 − ᾱ)), as diffusers computes it: −∞ at ᾱ = 0, +∞ at ᾱ = 1.</summary>
    private static double Lambda(double alpha) => Math.Log(Math.Sqrt(alpha / (1 - alpha)));
}
