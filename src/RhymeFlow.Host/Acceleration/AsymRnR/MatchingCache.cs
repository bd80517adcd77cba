using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// The matchings of the current reuse window, per layer: keyed by layer, feature, token layout and batch size.
/// A layer's entries are dropped when that layer enters a new reuse window.
/// </summary>
internal sealed class MatchingCache : IDisposable
{
    private readonly Dictionary<Key, TokenMatch> entries = [];
    private readonly Dictionary<int, int> windowStarts = [];
    private bool disposed;

    /// <summary>Matchings held.</summary>
    public int Count => entries.Count;

    /// <summary>The matching of the key within <paramref name="reuseWindowStart"/>'s window, computed by <paramref name="match"/> when missing.</summary>
    public TokenMatch GetOrAdd(int reuseWindowStart, int layer, ReducedSide feature, VideoTokenLayout layout, long batch, Func<TokenMatch> match)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (windowStarts.TryGetValue(layer, out var start) && start != reuseWindowStart)
        {
            foreach (var stale in entries.Keys.Where(k => k.Layer == layer).ToArray())
            {
                entries[stale].Dispose();
                entries.Remove(stale);
            }
        }

        windowStarts[layer] = reuseWindowStart;
        var key = new Key(layer, feature, layout.Key, batch);
        if (!entries.TryGetValue(key, out var found))
        {
            found = match();
            entries[key] = found;
        }

        return found;
    }

    /// <summary>
    /// Drops the layer's matchings of other reuse windows: a layer that turns dense keeps nothing from the window
    /// before (at 32760 tokens a layer's indices take tens of MB).
    /// </summary>
    public void Release(int layer, int reuseWindowStart)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (windowStarts.TryGetValue(layer, out var start) && start != reuseWindowStart)
        {
            foreach (var stale in entries.Keys.Where(k => k.Layer == layer).ToArray())
            {
                entries[stale].Dispose();
                entries.Remove(stale);
            }

            windowStarts.Remove(layer);
        }
    }

    /// <summary>The held matching of the key, or null.</summary>
    public TokenMatch? Find(int layer, ReducedSide feature, VideoTokenLayout layout, long batch) =>
        entries.GetValueOrDefault(new Key(layer, feature, layout.Key, batch));

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var entry in entries.Values)
        {
            entry.Dispose();
        }

        entries.Clear();
    }

    private readonly record struct Key(int Layer, ReducedSide Feature, string Layout, long Batch);
}
