namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>First-block cache (diffusers' FirstBlockCache): block 0 always runs; the rest is skipped while its residual barely changes.</summary>
/// <param name="Threshold">Reuse while block 0's residual changes strictly less than this (relative L1); 0 computes every step.</param>
public sealed record FirstBlockCacheSettings(double Threshold) : StepCache
{
    public override void Validate() => CheckThreshold(Threshold, "first-block cache");

    public override string ToString() => $"first-block cache (threshold {Threshold})";
}
