using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanResample</c>: per-frame spatial up- or downsampling (<c>resample.1</c> is the 2-D convolution;
/// <c>resample.0</c>, the nearest upsampling or the zero padding, has no weights), with a causal temporal convolution
/// (<c>time_conv</c>) for the 3-D modes.
/// </summary>
/// <remarks>
/// The temporal parts follow diffusers' cache protocol exactly. Upsampling leaves the first chunk at one frame and
/// marks its slot "Rep"; the next chunk's <c>time_conv</c> sees zeros as its past. Downsampling caches the first chunk
/// without convolving it (one frame stays one frame); later chunks are convolved after the last cached frame.
/// </remarks>
internal sealed class WanVaeResample : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
    private readonly WanVaeResampleMode mode;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Sequential resample;
    private readonly WanCausalConv3d? time_conv;
#pragma warning restore IDE1006

    /// <param name="dim">Input channels.</param>
    /// <param name="mode">The kind.</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Weight device.</param>
    public WanVaeResample(long dim, WanVaeResampleMode mode, ScalarType dtype, Device device)
        : base(nameof(WanVaeResample))
    {
        this.mode = mode;
        switch (mode)
        {
            case WanVaeResampleMode.Upsample2d:
            case WanVaeResampleMode.Upsample3d:
                // Nearest and nearest-exact agree for an integer factor of 2: both take source index i / 2.
                resample = nn.Sequential(
                    ("0", nn.Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest)),
                    ("1", nn.Conv2d(dim, dim / 2, 3, padding: 1, device: device, dtype: dtype)));
                time_conv = mode == WanVaeResampleMode.Upsample3d
                    ? new WanCausalConv3d(dim, dim * 2, (3, 1, 1), (1, 0, 0), (1, 1, 1), dtype, device)
                    : null;
                OutChannels = dim / 2;
                break;
            case WanVaeResampleMode.Downsample2d:
            case WanVaeResampleMode.Downsample3d:
                resample = nn.Sequential(
                    ("0", nn.ZeroPad2d((0, 1, 0, 1))),
                    ("1", nn.Conv2d(dim, dim, 3, stride: 2, device: device, dtype: dtype)));
                time_conv = mode == WanVaeResampleMode.Downsample3d
                    ? new WanCausalConv3d(dim, dim, (3, 1, 1), (0, 0, 0), (2, 1, 1), dtype, device)
                    : null;
                OutChannels = dim;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resample mode");
        }

        RegisterComponents();
    }

    /// <summary>Channels out.</summary>
    public long OutChannels { get; }

    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var x = input;
        if (mode == WanVaeResampleMode.Upsample3d)
        {
            x = DoubleFrames(x, cache);
        }

        var (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4]);
        var frames = resample.forward(x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w));
        x = frames.view(b, t, frames.shape[1], frames.shape[2], frames.shape[3]).permute(0, 2, 1, 3, 4);

        if (mode == WanVaeResampleMode.Downsample3d)
        {
            x = HalveFrames(x, cache);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The temporal half of upsample3d: every frame becomes two (except in the first chunk).</summary>
    private Tensor DoubleFrames(Tensor x, WanVaeFeatureCache cache)
    {
        var slot = cache.Take();
        if (cache.IsEmpty(slot))
        {
            cache.MarkRepeat(slot);
            return x;
        }

        var repeat = cache.IsRepeat(slot);
        var previous = cache.Frames(slot);
        var keep = WanVaeFeatureCache.LastFrames(x, WanVaeFeatureCache.CacheFrames).clone();
        if (keep.shape[2] < WanVaeFeatureCache.CacheFrames)
        {
            // After the marker the past is zeros; otherwise it is the last frame cached from the chunk before.
            var past = repeat ? zeros_like(keep) : WanVaeFeatureCache.LastFrames(previous!, 1);
            keep = cat([past, keep], 2);
        }

        var doubled = time_conv!.forward(x, repeat ? null : previous);
        cache.Store(slot, keep);

        // [B, 2C, T, H, W] → [B, 2, C, T, H, W] → interleave the two halves in time: [B, C, 2T, H, W].
        var (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4]);
        var halves = doubled.reshape(b, 2, c, t, h, w);
        return stack([halves.select(1, 0), halves.select(1, 1)], 3).reshape(b, c, t * 2, h, w);
    }

    /// <summary>The temporal half of downsample3d: the first chunk is cached as is, later ones are halved.</summary>
    private Tensor HalveFrames(Tensor x, WanVaeFeatureCache cache)
    {
        var slot = cache.Take();
        var previous = cache.Frames(slot);
        if (previous is null)
        {
            cache.Store(slot, x.clone());
            return x;
        }

        var keep = WanVaeFeatureCache.LastFrames(x, 1).clone();
        var halved = time_conv!.forward(cat([WanVaeFeatureCache.LastFrames(previous, 1), x], 2), null);
        cache.Store(slot, keep);
        return halved;
    }
}
