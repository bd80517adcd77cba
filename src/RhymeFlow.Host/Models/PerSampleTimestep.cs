using RhymeFlow.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// What the joint-attention families (CogVideoX, HunyuanVideo) share at the seam: one timestep embedding per sample
/// that modulates every token, and a context recorded as layer K/V only.
/// </summary>
internal static class PerSampleTimestep
{
    /// <summary>[rows] float32 on <paramref name="device"/> of the one timestep every plan frame of the evaluation shares.</summary>
    /// <exception cref="NotSupportedException">The frames have different timesteps: the family has no per-frame timestep.</exception>
    public static Tensor Shared(string familyName, IReadOnlyList<double> frameTimesteps, long rows, Device device)
    {
        ArgumentNullException.ThrowIfNull(frameTimesteps);
        var first = frameTimesteps[0];
        if (frameTimesteps.Any(t => t != first))
        {
            throw new NotSupportedException(
                $"{familyName} embeds one timestep per sample, which modulates every text and video token; this evaluation gives its frames different timesteps [{string.Join(", ", frameTimesteps.Distinct())}].");
        }

        using var value = first.ToScalar();
        return full([rows], value, ScalarType.Float32, device);
    }

    /// <exception cref="NotSupportedException"><paramref name="storage"/> is a hidden-state context.</exception>
    public static void RequireLayerKv(string familyName, ContextKind storage)
    {
        if (storage != ContextKind.LayerKv)
        {
            // Recomputing a recorded frame's K/V from its hidden state needs the block's modulation at the recording's
            // timestep, qk-norm and RoPE at the frame's position, per block kind; these families do not implement it.
            throw new NotSupportedException(
                $"{familyName} records the non-keyframe context as layer K/V only; {storage} (hidden states recorded, K/V recomputed per block) is implemented for Wan only. Use context LayerKv.");
        }
    }
}
