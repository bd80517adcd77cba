namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>
/// A step cache for a denoising run: TeaCache or the first-block cache skip the block stack on steps whose input
/// barely changed, adding the residual cached at the last step that ran it. Set it on
/// <see cref="Execution.DenoiseRequest.StepCache"/>; valid with plans whose evaluations are all full (dense, any step
/// count). It composes with AsymRnR and with CFG in one batch (one decision for the whole batch).
/// </summary>
public abstract record StepCache
{
    private protected StepCache()
    {
    }

    /// <summary>TeaCache: reuse while the accumulated rescaled change of the modulated input stays below <paramref name="threshold"/>.</summary>
    /// <param name="threshold">&gt;= 0; 0 computes every step (dense, bit for bit).</param>
    /// <param name="coefficients">The rescale polynomial, highest power first (e.g. the built-in model's calibration).</param>
    public static TeaCacheSettings TeaCache(double threshold, IReadOnlyList<double> coefficients) => new(threshold, coefficients);

    /// <summary>First-block cache: reuse the tail residual while block 0's residual changes less than <paramref name="threshold"/>.</summary>
    /// <param name="threshold">&gt;= 0; 0 computes every step (dense, bit for bit).</param>
    public static FirstBlockCacheSettings FirstBlock(double threshold) => new(threshold);

    /// <summary>Computes every step and records TeaCache's calibration samples (input and output changes) in the trace.</summary>
    public static TeaCacheProbeSettings TeaCacheProbe() => new();

    /// <summary>Throws an <see cref="ArgumentException"/> naming the bad setting.</summary>
    public abstract void Validate();

    /// <summary>A threshold is a distance: finite and non-negative.</summary>
    private protected static void CheckThreshold(double threshold, string cache)
    {
        if (!double.IsFinite(threshold) || threshold < 0)
        {
            throw new ArgumentOutOfRangeException(
                "Threshold",
                threshold,
                $"The {cache} threshold must be a finite number >= 0 (0 computes every step), got {threshold}.");
        }
    }
}
