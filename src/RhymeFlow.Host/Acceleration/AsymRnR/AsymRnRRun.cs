using RhymeFlow.Core;
using RhymeFlow.Host.Models;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// AsymRnR over one denoising run: gives each evaluation its self-attention reduction and holds the matchings that
/// the steps of a reuse window share. Create one per run and dispose it when the run ends.
/// </summary>
public sealed class AsymRnRRun : ISelfAttentionPolicy, IDisposable
{
    private readonly MatchingCache cache = new();

    // A run sees a handful of layouts (the full sequence, a keyframe set's queries and its keys/values), each grouped
    // into windows once.
    private readonly Dictionary<string, TokenWindows> windows = [];

    public AsymRnRRun(AttentionReduction settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
    }

    public AttentionReduction Settings { get; }

    /// <summary>Matchings held for the current reuse windows.</summary>
    public int CachedMatchings => cache.Count;

    /// <summary>
    /// How many of the <paramref name="tokens"/> attention sees when a fraction <paramref name="ratio"/> is removed:
    /// one destination per window plus ⌊N(1 − r)⌋ − Nd sources (within [0, Ns]); all N for a ratio of 0.
    /// </summary>
    public static int ReducedLength(VideoTokenLayout tokens, WindowStride stride, double ratio)
    {
        _ = new LayerReduction(ratio, 0, 0); // Names a bad ratio the same way a schedule entry would.
        if (ratio == 0)
        {
            return tokens.Count;
        }

        var destinations = TokenSplit.Choose(tokens, stride, 0).Destinations.Length;
        return destinations + TokenReduction.KeptSources(tokens.Count, destinations, ratio);
    }

    /// <summary>The reduction of an evaluation at sampling step <paramref name="step"/>.</summary>
    public ISelfAttentionReduction ForStep(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return new AsymRnRStep(this, step);
    }

    public void Dispose() => cache.Dispose();

    /// <summary>The setting of (step, layer) from the schedule, never null.</summary>
    internal LayerReduction Setting(int step, int layer) =>
        Settings.Schedule(step, layer)
        ?? throw new InvalidOperationException($"The reduction schedule returned no setting for step {step}, layer {layer}.");

    /// <summary>The split and matching of <paramref name="features"/> [B, H, N, D], reused within a reuse window.</summary>
    internal TokenMatch Match(int reuseWindowStart, int layer, ReducedSide feature, VideoTokenLayout layout, Tensor features) =>
        cache.GetOrAdd(reuseWindowStart, layer, feature, layout, features.shape[0], () =>
        {
            var seed = SeedMix.Mix((ulong)Settings.Seed, (ulong)reuseWindowStart, (ulong)layer, (ulong)feature);
            if (!windows.TryGetValue(layout.Key, out var grouped))
            {
                grouped = TokenWindows.Of(layout, Settings.WindowStride);
                windows[layout.Key] = grouped;
            }

            return TokenMatching.Match(features, grouped.Choose(seed), Settings.ChunkBytes);
        });

    /// <summary>Drops the layer's matchings of other reuse windows (the layer is dense at this step).</summary>
    internal void Release(int layer, int reuseWindowStart) => cache.Release(layer, reuseWindowStart);

    /// <summary>The held matching, or null (tests).</summary>
    internal TokenMatch? CachedMatch(int layer, ReducedSide feature, VideoTokenLayout layout, long batch) =>
        cache.Find(layer, feature, layout, batch);
}
