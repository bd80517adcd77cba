using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The joint self-attention of a CogVideoX block (diffusers' <c>Attention</c> with <c>CogVideoXAttnProcessor2_0</c>):
/// the sequence is [text; video]; queries and keys get a per-head LayerNorm (eps 1e-6), then the video tokens alone are
/// rotated; one SDPA over the whole sequence; <c>to_out.0</c>. A self-attention reduction, when the layer has one,
/// reduces the video tokens (recorded ones included) and never the text.
/// </summary>
/// <remarks>
/// For keyframe-only evaluation the keys and values can be extended with recorded ones (<see cref="AttentionInputs.ExtraKeyValue"/>),
/// and those of chosen video tokens can be handed out as they are computed (<see cref="AttentionInputs.Record"/>).
/// Projections run in the model dtype; the norms and the rotation in float32.
/// </remarks>
internal sealed class CogVideoXAttention : nn.Module
{
    private readonly int heads;
    private readonly int headDim;
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<Linear> to_out;
    private readonly LayerNorm norm_q;
    private readonly LayerNorm norm_k;
#pragma warning restore IDE1006

    public CogVideoXAttention(CogVideoXConfig config, ScalarType dtype, Device device)
        : base(nameof(CogVideoXAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.AttentionHeadDim;
        this.dtype = dtype;
        var dim = config.InnerDim;
        to_q = nn.Linear(dim, dim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        to_k = nn.Linear(dim, dim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        to_v = nn.Linear(dim, dim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        to_out = new ModuleList<Linear>(nn.Linear(dim, dim, device: device, dtype: dtype));
        norm_q = nn.LayerNorm(headDim, CogVideoXConfig.QkNormEps, device: device, dtype: ScalarType.Float32);
        norm_k = nn.LayerNorm(headDim, CogVideoXConfig.QkNormEps, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Attends over [text; video] tokens [B, L + N, dim] (float32) and returns the projected result [B, L + N, dim] float32.</summary>
    /// <param name="tokens">The modulated text then video tokens.</param>
    /// <param name="inputs">Text length, rotary tables, the keyframe-only extensions and the reduction.</param>
    public Tensor Forward(Tensor tokens, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var x = tokens.to(dtype);
        var (textQuery, videoQuery) = SplitText(HeadNorm(norm_q, SplitHeads(to_q.forward(x))), inputs.TextLength);
        var (textKey, videoKey) = SplitText(HeadNorm(norm_k, SplitHeads(to_k.forward(x))), inputs.TextLength);
        var (textValue, videoValue) = SplitText(SplitHeads(to_v.forward(x)), inputs.TextLength);
        videoQuery = CogVideoXRotaryEmbedding.Apply(videoQuery, inputs.RopeCos, inputs.RopeSin);
        videoKey = CogVideoXRotaryEmbedding.Apply(videoKey, inputs.RopeCos, inputs.RopeSin);
        inputs.Record?.Invoke(videoKey, videoValue);
        if (inputs.ExtraKeyValue is var (extraKey, extraValue))
        {
            videoKey = cat([videoKey, extraKey.to(dtype)], 2);
            videoValue = cat([videoValue, extraValue.to(dtype)], 2);
        }

        // The recorder above saw the unreduced keys/values; a reduction sees the video tokens alone, and the text
        // tokens join every attention it runs.
        var textLength = textQuery.shape[2];
        var (videoAttention, textAttention) = JointSelfAttention.Attend(videoQuery, videoKey, videoValue, inputs.SelfAttention, (q, k, v) =>
        {
            var attended = nn.functional.scaled_dot_product_attention(cat([textQuery, q], 2), cat([textKey, k], 2), cat([textValue, v], 2));
            return (attended.narrow(2, textLength, q.shape[2]), attended.narrow(2, 0, textLength));
        });
        var merged = cat([textAttention, videoAttention], 2).transpose(1, 2).flatten(2);
        return to_out[0].forward(merged).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The keys and values [B, heads, N, headDim] of video tokens alone, from their modulated states [B, N, dim]
    /// (float32) and their rotary tables: the video part of what <see cref="Forward"/> computes (to_k/to_v, the key's
    /// per-head norm, the rotation), for a recorded hidden-state context.
    /// </summary>
    public (Tensor Key, Tensor Value) VideoKeyValue(Tensor normedVideo, Tensor ropeCos, Tensor ropeSin)
    {
        using var scope = NewDisposeScope();
        var x = normedVideo.to(dtype);
        var key = CogVideoXRotaryEmbedding.Apply(HeadNorm(norm_k, SplitHeads(to_k.forward(x))), ropeCos, ropeSin);
        var value = SplitHeads(to_v.forward(x));
        return (key.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope());
    }

    /// <summary>[B, S, dim] → [B, heads, S, headDim].</summary>
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);

    private Tensor HeadNorm(LayerNorm norm, Tensor x) => norm.forward(x.to(ScalarType.Float32)).to(dtype);

    /// <summary>The text part (the first <paramref name="textLength"/> tokens) and the video part of [B, H, L + N, D].</summary>
    private static (Tensor Text, Tensor Video) SplitText(Tensor x, long textLength) =>
        (x.narrow(2, 0, textLength), x.narrow(2, textLength, x.shape[2] - textLength));
}
