namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// AsymRnR for a denoising run: which fraction of each layer's self-attention queries and keys/values to drop at each
/// step, and how tokens are split and matched.
/// </summary>
/// <param name="Schedule">The setting of (step, layer); steps are the plan's sampling steps, layers the block indices.</param>
/// <param name="Stride">Window size of the destination choice; null for <see cref="WindowStride.Default"/> (2x2x2).</param>
/// <param name="Seed">Seed of the destination choice (mixed with the reuse window, layer and feature).</param>
/// <param name="ChunkBytes">Largest source-by-destination distance block computed at once, in bytes.</param>
public sealed record AttentionReduction(
    Func<int, int, ReductionSetting> Schedule,
    WindowStride? Stride = null,
    long Seed = 0,
    long ChunkBytes = AttentionReduction.DefaultChunkBytes)
{
    public const long DefaultChunkBytes = 64L << 20;

    /// <summary>The same ratios at every step and layer, re-matching every <paramref name="reuseSteps"/> steps.</summary>
    public static AttentionReduction Uniform(double query, double keyValue, int reuseSteps = 1, WindowStride? stride = null, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reuseSteps, 1);
        _ = new ReductionSetting(query, keyValue, 0); // Bad ratios fail here rather than at the run's first step.
        return new AttentionReduction((step, _) => new ReductionSetting(query, keyValue, step / reuseSteps * reuseSteps), stride, seed);
    }

    /// <summary>The stride in use.</summary>
    public WindowStride WindowStride => Stride ?? WindowStride.Default;

    /// <summary>Checks the settings, naming the bad one.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Schedule);
        if (ChunkBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, "The matching chunk budget must be a positive number of bytes.");
        }
    }
}
