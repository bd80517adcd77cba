using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The joint self-attention of a CogVideoX block (diffusers' <c>Attention</c> with <c>CogVideoXAttnProcessor2_0</c>):
/// the sequence is [text; video]; queries and keys get a per-head LayerNorm (eps 1e-6), then the video tokens alone are
/// rotated; one SDPA over the whole sequence; <c>to_out.0</c>.
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
    /// <param name="inputs">Text length, rotary tables, and the keyframe-only extensions.</param>
    public Tensor Forward(Tensor tokens, AttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        var x = tokens.to(dtype);
        var query = Rotate(HeadNorm(norm_q, SplitHeads(to_q.forward(x))), inputs);
        var key = Rotate(HeadNorm(norm_k, SplitHeads(to_k.forward(x))), inputs);
        var value = SplitHeads(to_v.forward(x));
        inputs.Record?.Invoke(key.narrow(2, inputs.TextLength, key.shape[2] - inputs.TextLength), value.narrow(2, inputs.TextLength, value.shape[2] - inputs.TextLength));
        if (inputs.ExtraKeyValue is var (extraKey, extraValue))
        {
            key = cat([key, extraKey.to(dtype)], 2);
            value = cat([value, extraValue.to(dtype)], 2);
        }

        var attended = nn.functional.scaled_dot_product_attention(query, key, value);
        return to_out[0].forward(attended.transpose(1, 2).flatten(2)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>[B, S, dim] → [B, heads, S, headDim].</summary>
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);

    private Tensor HeadNorm(LayerNorm norm, Tensor x) => norm.forward(x.to(ScalarType.Float32)).to(dtype);

    /// <summary>Rotates the video part (after the <see cref="AttentionInputs.TextLength"/> text tokens) of [B, H, L + N, D].</summary>
    private static Tensor Rotate(Tensor x, AttentionInputs inputs)
    {
        var text = x.narrow(2, 0, inputs.TextLength);
        var video = x.narrow(2, inputs.TextLength, x.shape[2] - inputs.TextLength);
        return cat([text, CogVideoXRotaryEmbedding.Apply(video, inputs.RopeCos, inputs.RopeSin)], 2);
    }
}
