namespace RhymeFlow.Host.Execution;

/// <summary>How a run may use memory.</summary>
/// <param name="ContextBudgetBytes">
/// The most the recorded non-keyframe context may take. The default context (per-layer K/V on the
/// device) is replaced by hidden states on the device (half the size, K/V recomputed each inner
/// step), then by hidden states in host memory, whichever first fits as the cost model predicts it.
/// Null: no limit.
/// </param>
public sealed record DenoiseOptions(long? ContextBudgetBytes = null)
{
    public static DenoiseOptions Default { get; } = new();
}
