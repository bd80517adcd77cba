using RhymeFlow.Host.Models.Layers;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// diffusers' <c>CogVideoXBlock</c>: <c>norm1</c> modulates the video and the text tokens, the joint attention
/// <c>attn1</c> runs over [text; video], each side adds its gated share; <c>norm2</c>, then one feed-forward
/// <c>ff</c> over [text; video], gated per side. The residual streams are float32.
/// </summary>
internal sealed class CogVideoXBlock : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly CogVideoXLayerNormZero norm1;
    private readonly CogVideoXAttention attn1;
    private readonly CogVideoXLayerNormZero norm2;
    private readonly FeedForward ff;
#pragma warning restore IDE1006

    public CogVideoXBlock(CogVideoXConfig config, ScalarType dtype, Device device)
        : base(nameof(CogVideoXBlock))
    {
        norm1 = new CogVideoXLayerNormZero(config.TimeEmbedDim, config.InnerDim, config.NormEps, device);
        attn1 = new CogVideoXAttention(config, dtype, device);
        norm2 = new CogVideoXLayerNormZero(config.TimeEmbedDim, config.InnerDim, config.NormEps, device);
        ff = new FeedForward(config.InnerDim, 4 * config.InnerDim, dtype, device);
        this.dtype = dtype;
        RegisterComponents();
    }

    /// <summary>
    /// The self-attention keys and values [B, heads, N, headDim] of video tokens whose block input is
    /// <paramref name="video"/> [B, N, dim], modulated by <paramref name="timeEmbedding"/> and rotated by the given
    /// tables: what a recorded hidden-state context is turned back into.
    /// </summary>
    public (Tensor Key, Tensor Value) VideoKeyValue(Tensor video, Tensor timeEmbedding, Tensor ropeCos, Tensor ropeSin)
    {
        using var scope = NewDisposeScope();
        var (key, value) = attn1.VideoKeyValue(norm1.ModulateVideo(video, timeEmbedding), ropeCos, ropeSin);
        return (key.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }

    /// <summary>One block over video tokens [B, N, dim] and text tokens [B, L, dim] (float32); returns both, float32.</summary>
    public (Tensor Video, Tensor Text) Forward(Tensor video, Tensor text, Tensor timeEmbedding, AttentionInputs attention)
    {
        using var scope = NewDisposeScope();
        var textLength = text.shape[1];
        var (normedVideo, normedText, videoGate, textGate) = norm1.Modulate(video, text, timeEmbedding);
        var attended = attn1.Forward(cat([normedText, normedVideo], 1), attention);
        video = video.add(videoGate.mul(attended.narrow(1, textLength, attended.shape[1] - textLength)), Scalars.One);
        text = text.add(textGate.mul(attended.narrow(1, 0, textLength)), Scalars.One);

        (normedVideo, normedText, videoGate, textGate) = norm2.Modulate(video, text, timeEmbedding);
        var fed = ff.forward(cat([normedText, normedVideo], 1).to(dtype)).to(ScalarType.Float32);
        video = video.add(videoGate.mul(fed.narrow(1, textLength, fed.shape[1] - textLength)), Scalars.One);
        text = text.add(textGate.mul(fed.narrow(1, 0, textLength)), Scalars.One);
        return (video.MoveToOuterDisposeScope(), text.MoveToOuterDisposeScope());
    }
}
