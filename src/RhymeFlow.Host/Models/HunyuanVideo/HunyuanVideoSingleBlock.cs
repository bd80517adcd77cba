using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>HunyuanVideoSingleTransformerBlock</c> (<c>single_transformer_blocks.i</c>): one weight set over the
/// joint sequence; attention and a parallel GELU MLP are concatenated and projected by <c>proj_out</c>, then gated.
/// </summary>
internal sealed class HunyuanVideoSingleBlock : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly HunyuanVideoAttention attn;
    private readonly HunyuanVideoModulation norm;
    private readonly Linear proj_mlp;
    private readonly Linear proj_out;
#pragma warning restore IDE1006

    public HunyuanVideoSingleBlock(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoSingleBlock))
    {
        this.dtype = dtype;
        var dim = config.InnerDim;
        attn = HunyuanVideoAttention.Single(config, dtype, device);
        norm = new HunyuanVideoModulation(dim, 3, device);
        proj_mlp = nn.Linear(dim, config.MlpDim, device: device, dtype: dtype);
        proj_out = nn.Linear(dim + config.MlpDim, dim, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>
    /// The video keys and values [B, H, L, D] (after qk-norm and RoPE) of video tokens whose block input is
    /// <paramref name="video"/> [B, L, dim]: the norm's modulation by <paramref name="temb"/> (a per-token LayerNorm, so
    /// the video part of the joint stream alone gives the same), the K/V projections, norm_k and the rotation, as
    /// <see cref="Forward"/> computes them. What a recorded hidden-state context is turned back into.
    /// </summary>
    public (Tensor Key, Tensor Value) VideoKeyValue(Tensor video, Tensor temb, Tensor rope)
    {
        using var scope = NewDisposeScope();
        var m = norm.Forward(temb);
        return HunyuanVideoJointAttention.RotatedKeyValue(attn.KeyValue(HunyuanVideoNorms.Modulated(video, m[0], m[1], dtype)), rope);
    }

    /// <summary>Runs the block on video [B, Lv, dim] and text [B, Lt, dim]; returns both updated.</summary>
    public (Tensor Video, Tensor Text) Forward(Tensor video, Tensor text, HunyuanVideoLayerInputs inputs)
    {
        using var scope = NewDisposeScope();
        var videoTokens = video.shape[1];
        var joint = cat([video, text], 1);

        // AdaLayerNormZeroSingle: shift, scale, gate.
        var m = norm.Forward(inputs.Temb);
        var normed = HunyuanVideoNorms.Modulated(joint, m[0], m[1], dtype);
        var mlp = nn.functional.gelu(proj_mlp.forward(normed), GELU.Approximate.tanh);

        var (query, key, value) = attn.Project(normed);
        var textTokens = text.shape[1];
        var (videoAttention, textAttention) = HunyuanVideoJointAttention.Attend(
            (query.narrow(1, 0, videoTokens), key.narrow(1, 0, videoTokens), value.narrow(1, 0, videoTokens)),
            (query.narrow(1, videoTokens, textTokens), key.narrow(1, videoTokens, textTokens), value.narrow(1, videoTokens, textTokens)),
            inputs);
        var mixed = proj_out.forward(cat([cat([videoAttention, textAttention], 1), mlp], 2));
        joint = HunyuanVideoNorms.GatedAdd(joint, mixed, m[2], dtype);
        return (joint.narrow(1, 0, videoTokens).MoveToOuterDisposeScope(), joint.narrow(1, videoTokens, textTokens).MoveToOuterDisposeScope());
    }
}
