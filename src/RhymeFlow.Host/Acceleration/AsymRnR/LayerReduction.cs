namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>How much of one layer's self-attention is reduced at one step.</summary>
/// <remarks>
/// Steps that name the same <see cref="ReuseWindowStart"/> share one split and matching per layer, so the ratios may
/// change inside a window at the cost of recomputing only the kept count.
/// </remarks>
public sealed record LayerReduction
{
    /// <param name="query">Fraction of the query tokens removed (and restored after attention), in [0, 1).</param>
    /// <param name="keyValue">Fraction of the key/value tokens removed, in [0, 1).</param>
    /// <param name="reuseWindowStart">The first step of the reuse window this step belongs to.</param>
    public LayerReduction(double query, double keyValue, int reuseWindowStart)
    {
        Query = Ratio(query, nameof(query));
        KeyValue = Ratio(keyValue, nameof(keyValue));
        ArgumentOutOfRangeException.ThrowIfNegative(reuseWindowStart);
        ReuseWindowStart = reuseWindowStart;
    }

    /// <summary>No reduction: the dense attention, bit for bit.</summary>
    public static LayerReduction Dense { get; } = new(0, 0, 0);

    public double Query { get; }

    public double KeyValue { get; }

    public int ReuseWindowStart { get; }

    public bool IsDense => Query == 0 && KeyValue == 0;

    private static double Ratio(double ratio, string name) =>
        double.IsFinite(ratio) && ratio >= 0 && ratio < 1
            ? ratio
            : throw new ArgumentOutOfRangeException(name, ratio, $"The {name} reduction ratio must be in [0, 1).");
}
