using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanEncoder3d</c> (Wan 2.1, not residual): <c>conv_in</c>; per stage, residual blocks (with attention
/// at the scales in <c>attn_scales</c>) and a 2-D or 3-D downsampling between stages, all in one flat
/// <c>down_blocks</c> list; the mid block; then <c>norm_out</c> → SiLU → <c>conv_out</c> to 2 · z_dim channels
/// (mean and log-variance).
/// </summary>
internal sealed class WanVaeEncoder : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanCausalConv3d conv_in;
    private readonly ModuleList<nn.Module<Tensor, WanVaeFeatureCache, Tensor>> down_blocks;
    private readonly WanVaeMidBlock mid_block;
    private readonly WanVaeRmsNorm norm_out;
    private readonly WanCausalConv3d conv_out;
#pragma warning restore IDE1006

    public WanVaeEncoder(WanVaeConfig config, ScalarType dtype, Device device)
        : base(nameof(WanVaeEncoder))
    {
        long[] dims = [.. new[] { 1 }.Concat(config.DimMult).Select(m => (long)config.BaseDim * m)];
        conv_in = WanCausalConv3d.Cube(config.InChannels, dims[0], 3, 1, dtype, device);
        down_blocks = new ModuleList<nn.Module<Tensor, WanVaeFeatureCache, Tensor>>();
        var scale = 1.0;
        for (var i = 0; i < config.DimMult.Count; i++)
        {
            var inDim = dims[i];
            var outDim = dims[i + 1];
            for (var r = 0; r < config.NumResBlocks; r++)
            {
                down_blocks.Add(new WanVaeResidualBlock(inDim, outDim, dtype, device));
                if (config.AttnScales.Contains(scale))
                {
                    down_blocks.Add(new WanVaeAttentionBlock(outDim, dtype, device));
                }

                inDim = outDim;
            }

            if (i != config.DimMult.Count - 1)
            {
                var mode = config.TemperalDownsample[i] ? WanVaeResampleMode.Downsample3d : WanVaeResampleMode.Downsample2d;
                down_blocks.Add(new WanVaeResample(outDim, mode, dtype, device));
                scale /= 2.0;
            }
        }

        var last = dims[^1];
        mid_block = new WanVaeMidBlock(last, dtype, device);
        norm_out = new WanVaeRmsNorm(last, images: false, dtype, device);
        conv_out = WanCausalConv3d.Cube(last, config.ZDim * 2, 3, 1, dtype, device);
        RegisterComponents();
    }

    /// <summary>Encodes one temporal chunk [B, Cin, T, H, W] into [B, 2·z, T', H/s, W/s], reading and updating the cache.</summary>
    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var x = cache.Convolve(conv_in, input);
        foreach (var layer in down_blocks)
        {
            x = layer.forward(x, cache);
        }

        x = mid_block.forward(x, cache);
        x = norm_out.forward(x).silu_();
        x = cache.Convolve(conv_out, x);
        return x.MoveToOuterDisposeScope();
    }
}
