using RhymeFlow.Host.Runtime;
using TorchSharp;
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
        using var queryStop = queryLength.ToScalar();
        using var keyStop = keyLength.ToScalar();
        var context = arange(Scalars.Zero, queryStop, Scalars.One, ScalarType.Int64, device).unsqueeze(1);
        var memory = arange(Scalars.Zero, keyStop, Scalars.One, ScalarType.Int64, device).unsqueeze(0);
        var relative = memory - context;

        var half = numBuckets / 2;
        using var halfBuckets = half.ToScalar();
        var direction = relative.gt(Scalars.Zero).to(ScalarType.Int64).mul(halfBuckets);
        var distance = relative.abs();

        var maxExact = half / 2;
        using var exactBuckets = maxExact.ToScalar();
        var isSmall = distance.lt(exactBuckets);

        // Distances below max_exact take the other branch, so clamping them away from log(0) changes no result.
        using var logMaxRatio = Math.Log(maxDistance / (double)maxExact).ToScalar();
        var logRatio = distance.clamp_min(Scalars.One).to(ScalarType.Float32).div(exactBuckets).log().div(logMaxRatio);
        using var logBuckets = (half - maxExact).ToScalar();
        using var lastBucket = (half - 1).ToScalar();
        var large = logRatio.mul(logBuckets).to(ScalarType.Int64).add(exactBuckets, Scalars.One);
        large = large.clamp_max(lastBucket);

        return direction.add(where(isSmall, distance, large), Scalars.One).MoveToOuterDisposeScope();
    }
}
