using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Keyframe selection on the device: each latent frame of the clean estimate becomes a unit vector
/// (its C·H·W values, averaged over the batch) and only the F x F cosine matrix reaches the host.
/// </summary>
/// <remarks>
/// The clips of a batch share one plan, so they share one keyframe set. As in the authors' code, a frame's signature
/// is the batch mean of its values, taken before normalising: each clip weighs by its magnitude, which the clean
/// estimates of one model share, and a batch of one clip repeated selects exactly what the clip selects alone.
/// </remarks>
internal static class KeyframeSignatures
{
    public static int[] Select(PreparedPlan prepared, Tensor cleanEstimate)
    {
        using var scope = NewDisposeScope();
        var frames = cleanEstimate.shape[2];
        // Float64, so that a cosine near the semantic threshold does not flip with rounding.
        var signatures = cleanEstimate.to(ScalarType.Float64).mean([0]).transpose(0, 1).reshape(frames, -1);
        var unit = nn.functional.normalize(signatures, p: 2, dim: 1);
        var cosine = unit.matmul(unit.t()).cpu();
        var rows = new double[frames][];
        var values = cosine.data<double>().ToArray();
        for (var i = 0; i < frames; i++)
        {
            rows[i] = values.AsSpan((int)(i * frames), (int)frames).ToArray();
        }

        return prepared.SelectKeyframes(rows);
    }
}
