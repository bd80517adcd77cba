using RhymeFlow.Host.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>HunyuanVideoTransformerBlock</c> (<c>transformer_blocks.i</c>): video and text keep separate weights
/// (modulation, projections, feed-forward) and meet in one joint attention.
/// </summary>
/// <remarks>Norms, modulation and residual sums in float32; projections and attention in the model dtype.</remarks>
internal sealed class HunyuanVideoDualBlock : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly HunyuanVideoModulation norm1;
    private readonly HunyuanVideoModulation norm1_context;
    private readonly HunyuanVideoAttention attn;
    private readonly FeedForward ff;
    private readonly FeedForward ff_context;
#pragma warning restore IDE1006

    public HunyuanVideoDualBlock(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoDualBlock))
    {
        this.dtype = dtype;
        var dim = config.InnerDim;
        norm1 = new HunyuanVideoModulation(dim, 6, device);
        norm1_context = new HunyuanVideoModulation(dim, 6, device);
        attn = HunyuanVideoAttention.Dual(config, dtype, device);
        ff = new FeedForward(dim, config.MlpDim, dtype, device);
        ff_context = new FeedForward(dim, config.MlpDim, dtype, device);
        RegisterComponents();
    }

    /// <summary>
    /// The video keys and values [B, H, L, D] (after qk-norm and RoPE) of tokens whose block input is
    /// <paramref name="video"/> [B, L, dim]: norm1's attention modulation by <paramref name="temb"/>, to_k/to_v,
    /// norm_k and the rotation by <paramref name="rope"/>, as <see cref="Forward"/> computes them. What a recorded
    /// hidden-state context is turned back into.
    /// </summary>
    public (Tensor Key, Tensor Value) VideoKeyValue(Tensor video, Tensor temb, Tensor rope)
    {
        using var scope = NewDisposeScope();
        var m = norm1.Forward(temb);
        return HunyuanVideoJointAttention.RotatedKeyValue(attn.KeyValue(HunyuanVideoNorms.Modulated(video, m[0], m[1], dtype)), rope);
    }

    /// <summary>Runs the block on video [B, Lv, dim] and text [B, Lt, dim]; returns both updated.</summary>
    public (Tensor Video, Tensor Text) Forward(Tensor video, Tensor text, HunyuanVideoLayerInputs inputs)
    {
        using var scope = NewDisposeScope();

        // AdaLayerNormZero: (shift, scale, gate) of the attention, then of the feed-forward.
        var m = norm1.Forward(inputs.Temb);
        var c = norm1_context.Forward(inputs.Temb);
        var normedVideo = HunyuanVideoNorms.Modulated(video, m[0], m[1], dtype);
        var normedText = HunyuanVideoNorms.Modulated(text, c[0], c[1], dtype);

        var (videoAttention, textAttention) = HunyuanVideoJointAttention.Attend(attn.Project(normedVideo), attn.ProjectText(normedText), inputs);
        video = HunyuanVideoNorms.GatedAdd(video, attn.ProjectOut(videoAttention), m[2], dtype);
        text = HunyuanVideoNorms.GatedAdd(text, attn.ProjectTextOut(textAttention), c[2], dtype);

        video = HunyuanVideoNorms.GatedAdd(video, ff.forward(HunyuanVideoNorms.Modulated(video, m[3], m[4], dtype)), m[5], dtype);
        text = HunyuanVideoNorms.GatedAdd(text, ff_context.forward(HunyuanVideoNorms.Modulated(text, c[3], c[4], dtype)), c[5], dtype);
        return (video.MoveToOuterDisposeScope(), text.MoveToOuterDisposeScope());
    }
}
