using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Keyframe selection on the device: each latent frame of the clean estimate becomes a unit vector
/// (its C·H·W values, averaged over the batch) and only the F x F cosine matrix reaches the host.
/// </summary>
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
