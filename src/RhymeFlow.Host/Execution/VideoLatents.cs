using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>The result of a denoising run. Owns <see cref="Latents"/>; dispose it when done.</summary>
/// <param name="Latents">Final latents [B, C, F, H, W] (one row per clip of the request), float32, on the model's device.</param>
/// <param name="Plan">The plan that was executed, keyframes included.</param>
/// <param name="Elapsed">Wall time of the denoising loop.</param>
/// <param name="ContextBytes">The largest context the run held at once (recorded non-keyframe K/V or hidden states).</param>
public sealed record VideoLatents(Tensor Latents, PlanView Plan, TimeSpan Elapsed, long ContextBytes) : IDisposable
{
    /// <summary>What the request's step cache did at each evaluation; null when it had none.</summary>
    public StepCacheTrace? CacheTrace { get; init; }

    public void Dispose() => Latents.Dispose();
}
