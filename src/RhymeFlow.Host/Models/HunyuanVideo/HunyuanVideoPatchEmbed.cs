using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>diffusers' <c>HunyuanVideoPatchEmbed</c> (<c>x_embedder</c>): a Conv3d with kernel = stride = the patch, flattened to tokens.</summary>
internal sealed class HunyuanVideoPatchEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Conv3d proj;
#pragma warning restore IDE1006

    public HunyuanVideoPatchEmbed(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoPatchEmbed))
    {
        var kernel = (config.PatchSizeT, config.PatchSize, config.PatchSize);
        proj = nn.Conv3d(config.InChannels, config.InnerDim, kernel, kernel, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Latents [B, C, F, H, W] → tokens [B, F'·H'·W', dim], frame-major.</summary>
    public override Tensor forward(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return proj.forward(latents).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
