namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>Which side of the attention a split and matching belong to.</summary>
internal enum ReducedSide
{
    /// <summary>Queries, matched on themselves; restored after attention.</summary>
    Query = 1,

    /// <summary>Keys and values, matched on the values; keys reuse the values' indices.</summary>
    KeyValue = 2,
}
