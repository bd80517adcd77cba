using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// Reducing a sequence [B, H, N, D] to its destinations and kept sources [B, H, Nd + k, D] per (batch row, head),
/// and restoring a reduced result to all N positions: a dropped token takes its nearest destination's row.
/// </summary>
/// <remarks>The reduced sequence holds the destinations first (in position order), then the kept sources.</remarks>
internal static class TokenReduction
{
    /// <summary>
    /// Sources kept when a fraction <paramref name="ratio"/> of all tokens is removed: ⌊N(1 − r)⌋ − Nd, within [0, Ns];
    /// the destinations always stay.
    /// </summary>
    public static int KeptSources(int tokens, int destinations, double ratio)
    {
        if (ratio is < 0 or >= 1 || double.IsNaN(ratio))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The reduction ratio must be in [0, 1).");
        }

        if (destinations < 0 || destinations > tokens)
        {
            throw new ArgumentOutOfRangeException(nameof(destinations), destinations, $"Destinations must be between 0 and the {tokens} tokens.");
        }

        var kept = (long)Math.Floor(tokens * (1 - ratio)) - destinations;
        return (int)Math.Clamp(kept, 0, tokens - destinations);
    }

    /// <summary>[B, H, Nd + k]: sequence positions of the destinations and of the <paramref name="kept"/> least similar sources.</summary>
    public static Tensor KeptPositions(TokenMatch match, int kept)
    {
        using var scope = NewDisposeScope();
        var (batch, heads) = (match.Order.shape[0], match.Order.shape[1]);
        var destinations = match.Destinations.expand(batch, heads, -1);
        var sources = match.Sources.expand(batch, heads, -1).gather(2, match.Order.narrow(2, 0, kept));
        return cat([destinations, sources], 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, H, N]: for every position, its row in the reduced sequence of <see cref="KeptPositions"/> (a dropped source
    /// points at its nearest destination's row).
    /// </summary>
    public static Tensor RestoreRows(TokenMatch match, int kept)
    {
        using var scope = NewDisposeScope();
        var (batch, heads) = (match.Order.shape[0], match.Order.shape[1]);
        var device = match.Order.device;
        var destinationCount = match.DestinationCount;

        // Destination j is row j, so a source's nearest-destination index already is the row it copies.
        var sourceRows = match.Nearest.clone();
        using var firstKeptRow = destinationCount.ToScalar();
        using var keptRowsEnd = (destinationCount + kept).ToScalar();
        var keptRows = arange(firstKeptRow, keptRowsEnd, Scalars.One, ScalarType.Int64, device).expand(batch, heads, -1);
        sourceRows.scatter_(2, match.Order.narrow(2, 0, kept), keptRows);

        var rows = empty([batch, heads, match.Count], ScalarType.Int64, device);
        rows.scatter_(2, match.Destinations.expand(batch, heads, -1), arange(Scalars.Zero, firstKeptRow, Scalars.One, ScalarType.Int64, device).expand(batch, heads, -1));
        rows.scatter_(2, match.Sources.expand(batch, heads, -1), sourceRows);
        return rows.MoveToOuterDisposeScope();
    }

    /// <summary>Rows <paramref name="positions"/> [B, H, L] of <paramref name="sequence"/> [B, H, N, D], per (batch row, head).</summary>
    public static Tensor Gather(Tensor sequence, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var index = positions.unsqueeze(-1).expand(-1, -1, -1, sequence.shape[3]);
        return sequence.gather(2, index).MoveToOuterDisposeScope();
    }
}
