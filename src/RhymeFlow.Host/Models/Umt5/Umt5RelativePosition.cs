using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// The bidirectional relative-position buckets of T5's encoder (transformers' <c>_relative_position_bucket</c> with
/// <c>is_decoder = False</c>): half of the buckets for keys after the query, half for keys at or before it; within a
/// half, exact buckets for small distances and logarithmic ones up to the max distance.
/// </summary>
internal static class Umt5RelativePosition
{
    /// <summary>Bucket indices [queryLength, keyLength] (int64) for relative positions key − query.</summary>
    /// <remarks>The logarithm runs in float32 and truncates toward zero, as transformers does, so bucket edges agree exactly.</remarks>
    public static Tensor Buckets(long queryLength, long keyLength, int numBuckets, int maxDistance, Device device)
    {
        using var scope = NewDisposeScope();
        var context = arange(queryLength, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        var memory = arange(keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var relative = memory - context;

        var half = numBuckets / 2;
        var direction = relative.gt(0).to(ScalarType.Int64) * half;
        var distance = relative.abs();

        var maxExact = half / 2;
        var isSmall = distance.lt(maxExact);

        // Distances below max_exact take the other branch, so clamping them away from log(0) changes no result.
        var logRatio = (distance.clamp_min(1).to(ScalarType.Float32) / maxExact).log() / Math.Log(maxDistance / (double)maxExact);
        var large = (logRatio * (half - maxExact)).to(ScalarType.Int64) + maxExact;
        large = large.clamp_max(half - 1);

        return (direction + where(isSmall, distance, large)).MoveToOuterDisposeScope();
    }
}
