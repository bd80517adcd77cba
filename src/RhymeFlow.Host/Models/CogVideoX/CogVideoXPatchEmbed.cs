using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// diffusers' <c>CogVideoXPatchEmbed</c> in its 1.5 form: the latent cut into (patch_size_t × patch_size × patch_size)
/// patches, tokens in (t, h, w) order with features in (c, pt, ph, pw) order, then a Linear <c>proj</c>; the text
/// through the Linear <c>text_proj</c>. <c>proj</c> has a bias whatever <c>patch_bias</c> says, as in diffusers.
/// Float32 whatever the model dtype: both are a small share of the work.
/// </summary>
internal sealed class CogVideoXPatchEmbed : nn.Module
{
    private readonly int patch;
    private readonly int patchT;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear proj;
    private readonly Linear text_proj;
#pragma warning restore IDE1006

    public CogVideoXPatchEmbed(CogVideoXConfig config, Device device)
        : base(nameof(CogVideoXPatchEmbed))
    {
        patch = config.PatchSize;
        patchT = config.PatchSizeT;
        proj = nn.Linear(config.PatchInDim, config.InnerDim, device: device, dtype: ScalarType.Float32);
        text_proj = nn.Linear(config.TextEmbedDim, config.InnerDim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Text tokens [B, L, dim] float32 of text-encoder states [B, L, textEmbedDim].</summary>
    public Tensor EmbedText(Tensor encoderHiddenStates) => text_proj.forward(encoderHiddenStates.to(ScalarType.Float32));

    /// <summary>Video tokens [B, (F/pt)·(H/p)·(W/p), dim] float32 of latents [B, F, C, H, W] (diffusers' CogVideoX layout).</summary>
    public Tensor EmbedVideo(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var (b, f, c, h, w) = (latents.shape[0], latents.shape[1], latents.shape[2], latents.shape[3], latents.shape[4]);
        var patches = latents.to(ScalarType.Float32)
            .permute(0, 1, 3, 4, 2)
            .reshape(b, f / patchT, patchT, h / patch, patch, w / patch, patch, c)
            .permute(0, 1, 3, 5, 7, 2, 4, 6)
            .flatten(4, 7)
            .flatten(1, 3);
        return proj.forward(patches).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The inverse of the patching for <c>proj_out</c>'s values [B, T·h·w, C·pt·p·p] (same feature order): latents
    /// [B, T·pt, C, h·p, w·p].
    /// </summary>
    public Tensor Unpatchify(Tensor tokens, long batch, long temporalTokens, long gridHeight, long gridWidth)
    {
        using var scope = NewDisposeScope();
        return tokens
            .reshape(batch, temporalTokens, gridHeight, gridWidth, -1, patchT, patch, patch)
            .permute(0, 1, 5, 4, 2, 6, 3, 7)
            .flatten(6, 7)
            .flatten(4, 5)
            .flatten(1, 2)
            .MoveToOuterDisposeScope();
    }
}
