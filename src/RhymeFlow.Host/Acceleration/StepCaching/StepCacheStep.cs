namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>What a step cache did at one evaluation.</summary>
/// <param name="Step">The sampling step.</param>
/// <param name="BlocksComputed">True when every block ran (and the cache was refreshed).</param>
/// <param name="BlocksExecuted">Blocks actually run: all of them, 1 (first-block cache reusing) or 0 (TeaCache reusing).</param>
/// <param name="InputChange">
/// The mean over rows of the relative L1 change the policy decided on: TeaCache's of the modulated input (time
/// projection) against the previous step's, the first-block cache's of block 0's residual against the last computed
/// step's. NaN where there was nothing to compare with (the first step).
/// </param>
/// <param name="OutputChange">
/// The mean over rows of the relative L1 change of the block stack's residual (output − input) against the previous
/// step's; NaN unless this and the previous evaluation both ran every block.
/// </param>
public sealed record StepCacheStep(int Step, bool BlocksComputed, int BlocksExecuted, double InputChange, double OutputChange)
{
    /// <summary>Each row's input change (CFG's cond rows, then its uncond rows), as the policy saw them.</summary>
    public IReadOnlyList<double> RowInputChanges { get; init; } = [];

    /// <summary>Each row's output change; NaN where <see cref="OutputChange"/> is.</summary>
    public IReadOnlyList<double> RowOutputChanges { get; init; } = [];
}
