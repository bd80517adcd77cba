using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// What the joint-attention families (CogVideoX, HunyuanVideo) share at the seam: one timestep embedding per sample
/// that modulates every token.
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
}
