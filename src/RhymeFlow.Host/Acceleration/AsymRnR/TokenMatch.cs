using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// A split and, per (batch row, head), each source's nearest destination and the sources ordered from the least to
/// the most similar. None of it depends on the ratio, so one matching serves every ratio of a reuse window.
/// </summary>
/// <remarks>Owns its tensors (detached from every dispose scope); the cache that holds it disposes it.</remarks>
internal sealed class TokenMatch : IDisposable
{
    public TokenMatch(TokenSplit split, Tensor destinations, Tensor sources, Tensor nearest, Tensor order)
    {
        Split = split;
        Destinations = destinations.DetachFromDisposeScope();
        Sources = sources.DetachFromDisposeScope();
        Nearest = nearest.DetachFromDisposeScope();
        Order = order.DetachFromDisposeScope();
    }

    public TokenSplit Split { get; }

    /// <summary>Sequence positions of the destinations [Nd] (int64, on the features' device).</summary>
    public Tensor Destinations { get; }

    /// <summary>Sequence positions of the sources [Ns].</summary>
    public Tensor Sources { get; }

    /// <summary>[B, H, Ns]: for each source, the index (into <see cref="Destinations"/>) of its nearest destination.</summary>
    public Tensor Nearest { get; }

    /// <summary>[B, H, Ns]: source indices (into <see cref="Sources"/>) by descending distance, so the first k are the ones kept.</summary>
    public Tensor Order { get; }

    public int DestinationCount => Split.Destinations.Length;

    public int SourceCount => Split.Sources.Length;

    public int Count => Split.Count;

    public void Dispose()
    {
        Destinations.Dispose();
        Sources.Dispose();
        Nearest.Dispose();
        Order.Dispose();
    }
}
