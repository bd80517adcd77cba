using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanDecoder3d</c> (Wan 2.1, not residual): <c>conv_in</c> from z_dim channels, the mid block, the up
/// blocks (2-D or 3-D upsampling between stages, in the reverse order of the encoder's temporal downsampling), then
/// <c>norm_out</c> → SiLU → <c>conv_out</c> to the video channels.
/// </summary>
internal sealed class WanVaeDecoder : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanCausalConv3d conv_in;
    private readonly WanVaeMidBlock mid_block;
    private readonly ModuleList<WanVaeUpBlock> up_blocks;
    private readonly WanVaeRmsNorm norm_out;
    private readonly WanCausalConv3d conv_out;
#pragma warning restore IDE1006

    public WanVaeDecoder(WanVaeConfig config, ScalarType dtype, Device device)
        : base(nameof(WanVaeDecoder))
    {
        var mult = config.DimMult;
        var temporalUpsample = config.TemperalDownsample.Reverse().ToArray();
        long[] dims = [.. new[] { mult[^1] }.Concat(mult.Reverse()).Select(m => (long)config.DecoderDim * m)];
        conv_in = WanCausalConv3d.Cube(config.ZDim, dims[0], 3, 1, dtype, device);
        mid_block = new WanVaeMidBlock(dims[0], dtype, device);
        up_blocks = new ModuleList<WanVaeUpBlock>();
        for (var i = 0; i < mult.Count; i++)
        {
            // Every upsampling halves the channels, so later stages start from half the previous width.
            var inDim = i > 0 ? dims[i] / 2 : dims[i];
            WanVaeResampleMode? mode = i == mult.Count - 1
                ? null
                : temporalUpsample[i] ? WanVaeResampleMode.Upsample3d : WanVaeResampleMode.Upsample2d;
            up_blocks.Add(new WanVaeUpBlock(inDim, dims[i + 1], config.NumResBlocks, mode, dtype, device));
        }

        norm_out = new WanVaeRmsNorm(dims[^1], images: false, dtype, device);
        conv_out = WanCausalConv3d.Cube(dims[^1], config.OutChannels, 3, 1, dtype, device);
        RegisterComponents();
    }

    /// <summary>Decodes one latent chunk [B, z, T, h, w] into video frames, reading and updating the cache.</summary>
    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var x = cache.Convolve(conv_in, input);
        x = mid_block.forward(x, cache);
        foreach (var block in up_blocks)
        {
            x = block.forward(x, cache);
        }

        x = norm_out.forward(x).silu_();
        x = cache.Convolve(conv_out, x);
        return x.MoveToOuterDisposeScope();
    }
}
