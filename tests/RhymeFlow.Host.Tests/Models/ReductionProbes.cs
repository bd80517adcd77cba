using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Tests.Models;

/// <summary>One call of a self-attention reduction, as a probe saw it.</summary>
internal sealed record ReductionCall(int Layer, VideoTokenLayout Queries, VideoTokenLayout KeyValues, long QueryRows, long KeyValueRows, long AttendedQueries, long AttendedKeyValues);

/// <summary>Passes every call to <paramref name="inner"/> and records what it was given and what it attended.</summary>
internal sealed class RecordingReduction(ISelfAttentionReduction inner) : ISelfAttentionReduction
{
    public List<ReductionCall> Calls { get; } = [];

    public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend)
    {
        var (attendedQueries, attendedKeyValues) = (0L, 0L);
        var result = inner.Attend(layer, query, key, value, queryTokens, keyValueTokens, (q, k, v) =>
        {
            (attendedQueries, attendedKeyValues) = (q.shape[2], k.shape[2]);
            return attend(q, k, v);
        });
        Calls.Add(new ReductionCall(layer, queryTokens, keyValueTokens, query.shape[2], key.shape[2], attendedQueries, attendedKeyValues));
        return result;
    }
}

/// <summary>
/// A plain gather/attend/scatter with a fixed choice: the queries at even positions and the keys/values at positions
/// not 2 mod 3 are kept; a dropped query (odd position) takes the output of the query before it.
/// </summary>
internal sealed class EveryOtherQueryReduction : ISelfAttentionReduction
{
    public static long[] KeptQueries(long count) => [.. Enumerable.Range(0, (int)count).Where(i => i % 2 == 0).Select(i => (long)i)];

    public static long[] KeptKeyValues(long count) => [.. Enumerable.Range(0, (int)count).Where(i => i % 3 != 2).Select(i => (long)i)];

    /// <summary>For each query position, its row among <see cref="KeptQueries"/>.</summary>
    public static long[] RestoreRows(long count) => [.. Enumerable.Range(0, (int)count).Select(i => (long)(i / 2))];

    public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend)
    {
        using var scope = NewDisposeScope();
        using var keptQueries = tensor(KeptQueries(query.shape[2]));
        using var keptKeyValues = tensor(KeptKeyValues(key.shape[2]));
        using var restore = tensor(RestoreRows(query.shape[2]));
        var reduced = attend(query.index_select(2, keptQueries), key.index_select(2, keptKeyValues), value.index_select(2, keptKeyValues));
        return reduced.index_select(2, restore).MoveToOuterDisposeScope();
    }
}

/// <summary>A plain attention for references: float64 scores q·kᵀ/√D, masked keys at −∞, softmax, then · v.</summary>
internal static class PlainAttention
{
    /// <param name="keyMask">Boolean [B, 1, 1, Lk] (true: attend), or null.</param>
    public static Tensor Attend(Tensor query, Tensor key, Tensor value, Tensor? keyMask = null)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = (query.to(ScalarType.Float64), key.to(ScalarType.Float64), value.to(ScalarType.Float64));
        using var scale = (1.0 / Math.Sqrt(query.shape[3])).ToScalar();
        var scores = q.matmul(k.transpose(2, 3)).mul(scale);
        if (keyMask is not null)
        {
            using var minusInfinity = double.NegativeInfinity.ToScalar();
            scores = scores.masked_fill(keyMask.logical_not(), minusInfinity);
        }

        return scores.softmax(-1).matmul(v).to(query.dtype).MoveToOuterDisposeScope();
    }
}
