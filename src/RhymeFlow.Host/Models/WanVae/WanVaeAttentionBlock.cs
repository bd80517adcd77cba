using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanAttentionBlock</c>: single-head self-attention within each frame (over its H·W positions, C wide),
/// after an RMS norm, with 1×1 convolutions for q/k/v (<c>to_qkv</c>) and the output (<c>proj</c>), plus the input.
/// Frames do not attend to each other, so it needs no feature cache.
/// </summary>
internal sealed class WanVaeAttentionBlock : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanVaeRmsNorm norm;
    private readonly Conv2d to_qkv;
    private readonly Conv2d proj;
#pragma warning restore IDE1006

    public WanVaeAttentionBlock(long dim, ScalarType dtype, Device device)
        : base(nameof(WanVaeAttentionBlock))
    {
        norm = new WanVaeRmsNorm(dim, images: true, dtype, device);
        to_qkv = nn.Conv2d(dim, dim * 3, 1, device: device, dtype: dtype);
        proj = nn.Conv2d(dim, dim, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var (b, c, t, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3], input.shape[4]);
        var frames = input.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
        var qkv = to_qkv.forward(norm.forward(frames));

        // [N, 3C, H, W] → [N, 1, H·W, 3C] → q, k, v each [N, 1, H·W, C]: one head of width C.
        qkv = qkv.reshape(b * t, 1, c * 3, h * w).permute(0, 1, 3, 2).contiguous();
        var parts = qkv.chunk(3, -1);
        var attended = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);

        var x = attended.squeeze(1).permute(0, 2, 1).reshape(b * t, c, h, w);
        x = proj.forward(x);
        x = x.view(b, t, c, h, w).permute(0, 2, 1, 3, 4);
        return x.add(input, Scalars.One).MoveToOuterDisposeScope();
    }
}
