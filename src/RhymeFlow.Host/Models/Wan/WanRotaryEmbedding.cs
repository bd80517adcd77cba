using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// Wan's 3-D rotary position embedding, exactly as diffusers' <c>WanRotaryPosEmbed</c> and its
/// <c>apply_rotary_emb</c>, with cached per-geometry tables.
/// </summary>
/// <remarks>
/// <para>The head dim d is split into three axes: frames get t = d - 2·h channels, rows and columns h = w = 2·(d / 6).
/// Each axis rotates its channel pairs with frequencies θ^(-2k/n) (θ = 10000, n the axis width, k the pair), computed
/// in float64 as diffusers does. The reference fixture (d = 16, where d / 3 ≠ 2·(d / 6)) confirms this split; the
/// d / 3 split of some diffusers revisions mixes axes when d mod 6 is not 0 or 1, and gives the same tables for
/// d = 128 (every released Wan).</para>
/// <para>A pair (x1, x2) becomes (x1·cos - x2·sin, x1·sin + x2·cos): a complex product with e^(i·angle), computed in
/// float32 as diffusers does and cast back. Tables are complex64 [tokens, 1, d / 2] for a [B, tokens, H, d] input.</para>
/// </remarks>
internal sealed class WanRotaryEmbedding : IDisposable
{
    private const double Theta = 10000.0;
    private const int MaxCachedGeometries = 64;
    private readonly double[] pairFrequency;
    private readonly int[] pairAxis;
    private readonly int maxPosition;
    private readonly Device device;
    private readonly Dictionary<string, Tensor> cache = [];

    public WanRotaryEmbedding(int headDim, int maxPosition, Device device)
    {
        this.maxPosition = maxPosition;
        this.device = device;
        var hDim = 2 * (headDim / 6);
        var tDim = headDim - 2 * hDim;
        pairFrequency = [.. Frequencies(tDim), .. Frequencies(hDim), .. Frequencies(hDim)];
        pairAxis = [.. Enumerable.Repeat(0, tDim / 2), .. Enumerable.Repeat(1, hDim / 2), .. Enumerable.Repeat(2, hDim / 2)];
    }

    /// <summary>
    /// The complex table for tokens laid out frame by frame (in the order of <paramref name="frames"/>, which are
    /// true post-patch frame indices), then row, then column. Cached; owned by this object, do not dispose.
    /// </summary>
    public Tensor Table(IReadOnlyList<int> frames, int height, int width)
    {
        var key = $"{height}x{width}:{string.Join(',', frames)}";
        if (cache.TryGetValue(key, out var table))
        {
            return table;
        }

        if (cache.Count >= MaxCachedGeometries)
        {
            Clear();
        }

        table = Build(frames, height, width).DetachFromDisposeScope();
        cache.Add(key, table);
        return table;
    }

    /// <summary>Rotates x [B, tokens, H, d] (any float dtype) by a table from <see cref="Table"/>; returns x's dtype.</summary>
    public static Tensor Apply(Tensor x, Tensor table)
    {
        using var scope = NewDisposeScope();
        var pairs = view_as_complex(x.to(ScalarType.Float32).unflatten(x.ndim - 1, [-1, 2]));
        return view_as_real(pairs * table).flatten(-2).to(x.dtype).MoveToOuterDisposeScope();
    }

    public void Dispose() => Clear();

    private void Clear()
    {
        foreach (var table in cache.Values)
        {
            table.Dispose();
        }

        cache.Clear();
    }

    private Tensor Build(IReadOnlyList<int> frames, int height, int width)
    {
        foreach (var extent in frames.Append(height - 1).Append(width - 1))
        {
            if (extent < 0 || extent >= maxPosition)
            {
                throw new ArgumentOutOfRangeException(nameof(frames), $"rotary position {extent} is outside [0, {maxPosition}) (rope_max_seq_len)");
            }
        }

        var pairs = pairFrequency.Length;
        var tokens = frames.Count * height * width;
        var cosSin = new float[tokens * pairs * 2];
        var position = new int[3];
        var offset = 0;
        foreach (var frame in frames)
        {
            for (var h = 0; h < height; h++)
            {
                for (var w = 0; w < width; w++)
                {
                    (position[0], position[1], position[2]) = (frame, h, w);
                    for (var j = 0; j < pairs; j++, offset += 2)
                    {
                        var angle = position[pairAxis[j]] * pairFrequency[j];
                        cosSin[offset] = (float)Math.Cos(angle);
                        cosSin[offset + 1] = (float)Math.Sin(angle);
                    }
                }
            }
        }

        using var host = tensor(cosSin).view(tokens, 1, pairs, 2);
        return view_as_complex(host).to(device);
    }

    /// <summary>Frequencies of one axis of <paramref name="width"/> channels: θ^(-2k/width) for pair k.</summary>
    private static IEnumerable<double> Frequencies(int width) =>
        Enumerable.Range(0, width / 2).Select(k => 1.0 / Math.Pow(Theta, 2.0 * k / width));
}
