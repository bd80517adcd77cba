using RhymeFlow.Host.Models.Layers;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// One Wan transformer block (diffusers' <c>WanTransformerBlock</c>): modulated self-attention with RoPE,
/// cross-attention to the text, and a modulated feed-forward network.
/// </summary>
/// <remarks>
/// Norms, modulation and residual sums run in float32 (norm1/norm2/norm3 and <c>scale_shift_table</c> are in
/// diffusers' <c>_keep_in_fp32_modules</c>); projections and attention run in the model dtype.
/// Self-attention can take extra keys/values (other frames' recorded context) and can hand its own keys/values
/// to a recorder, which is all the active-frames forward needs from a block.
/// </remarks>
internal sealed class WanTransformerBlock : nn.Module
{
    private readonly long dim;
    private readonly double eps;
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanAttention attn1;
    private readonly WanAttention attn2;
    private readonly LayerNorm? norm2;
    private readonly FeedForward ffn;
    private readonly Parameter scale_shift_table;
#pragma warning restore IDE1006

    public WanTransformerBlock(WanConfig config, ScalarType dtype, Device device)
        : base(nameof(WanTransformerBlock))
    {
        dim = config.InnerDim;
        eps = config.Eps;
        this.dtype = dtype;
        attn1 = new WanAttention(config, dtype, device);
        attn2 = new WanAttention(config, dtype, device);
        norm2 = config.CrossAttnNorm ? nn.LayerNorm(dim, eps, elementwise_affine: true, device: device, dtype: ScalarType.Float32) : null;
        ffn = new FeedForward(config.InnerDim, config.FfnDim, dtype, device);
        scale_shift_table = new Parameter(zeros(1, 6, dim, dtype: ScalarType.Float32, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>Cross-attention keys and values of the projected text [B, L, dim], each [B, H, L, D].</summary>
    public (Tensor Key, Tensor Value) TextKeyValue(Tensor text)
    {
        var (key, value) = attn2.KeyValue(text);
        return (key.transpose(1, 2), value.transpose(1, 2));
    }

    /// <summary>
    /// Self-attention keys and values [B, H, L, D] (after RMSNorm and RoPE) of tokens whose block input is
    /// <paramref name="hidden"/> [B, L, dim]: what a recorded hidden-state context is turned back into.
    /// </summary>
    public (Tensor Key, Tensor Value) SelfKeyValue(Tensor hidden, WanTimeConditioning time, Tensor rope)
    {
        using var scope = NewDisposeScope();
        var modulation = time.Modulate(scale_shift_table.narrow(1, 0, 2), time.Projection.narrow(1, 0, 2));
        var normed = Modulated(hidden, modulation[0], modulation[1]);
        var (key, value) = attn1.KeyValue(normed);
        key = WanRotaryEmbedding.Apply(key, rope).transpose(1, 2);
        return (key.MoveToOuterDisposeScope(), value.transpose(1, 2).MoveToOuterDisposeScope());
    }

    /// <summary>Runs the block on hidden [B, L, dim] (model dtype) and returns the new hidden states.</summary>
    /// <param name="hidden">Block input for the tokens being computed.</param>
    /// <param name="time">Timestep conditioning of those tokens.</param>
    /// <param name="rope">Rotary table of those tokens (true positions).</param>
    /// <param name="textKey">Cross-attention keys [B, H, Ltext, D] from <see cref="TextKeyValue"/>.</param>
    /// <param name="textValue">Cross-attention values [B, H, Ltext, D].</param>
    /// <param name="extraKey">Keys [B, H, Lc, D] of other tokens to attend to as well, or null.</param>
    /// <param name="extraValue">Values matching <paramref name="extraKey"/>.</param>
    /// <param name="recordKeyValue">Receives this block's own self-attention keys and values [B, H, L, D]; may keep slices.</param>
    /// <param name="selfAttention">Replaces the dense self-attention (token reduction), or null.</param>
    public Tensor Forward(
        Tensor hidden,
        WanTimeConditioning time,
        Tensor rope,
        Tensor textKey,
        Tensor textValue,
        Tensor? extraKey = null,
        Tensor? extraValue = null,
        Action<Tensor, Tensor>? recordKeyValue = null,
        SelfAttentionSite? selfAttention = null)
    {
        using var scope = NewDisposeScope();
        var m = time.Modulate(scale_shift_table, time.Projection);
        var (shift, scale, gate, ffnShift, ffnScale, ffnGate) = (m[0], m[1], m[2], m[3], m[4], m[5]);

        // 1. Self-attention.
        var normed = Modulated(hidden, shift, scale);
        var query = WanRotaryEmbedding.Apply(attn1.Query(normed), rope).transpose(1, 2);
        var (key, value) = attn1.KeyValue(normed);
        key = WanRotaryEmbedding.Apply(key, rope).transpose(1, 2);
        value = value.transpose(1, 2);
        recordKeyValue?.Invoke(key, value);
        if (extraKey is not null && extraValue is not null)
        {
            key = cat([key, extraKey], 2);
            value = cat([value, extraValue], 2);
        }

        // The recorder above saw the unreduced keys/values: a reduction never changes what the context holds.
        var attended = selfAttention is null
            ? attn1.Attend(query, key, value)
            : attn1.Project(selfAttention.Attend(query, key, value, WanAttention.AttendHeads));
        hidden = hidden.to(ScalarType.Float32).add(attended * gate, Scalars.One).to(dtype);

        // 2. Cross-attention (no RoPE; the query side is norm2 when cross_attn_norm).
        var crossInput = norm2 is null ? hidden : norm2.forward(hidden.to(ScalarType.Float32)).to(dtype);
        var crossQuery = attn2.Query(crossInput).transpose(1, 2);
        hidden = hidden.add(attn2.Attend(crossQuery, textKey, textValue), Scalars.One);

        // 3. Feed-forward.
        var ffnInput = Modulated(hidden, ffnShift, ffnScale);
        hidden = hidden.to(ScalarType.Float32).add(ffn.forward(ffnInput).to(ScalarType.Float32) * ffnGate, Scalars.One).to(dtype);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>LayerNorm without affine in float32, then x·(1 + scale) + shift, back to the model dtype.</summary>
    private Tensor Modulated(Tensor hidden, Tensor shift, Tensor scale)
    {
        var normalized = nn.functional.layer_norm(hidden.to(ScalarType.Float32), [dim], null, null, eps);
        return (normalized * scale.add(Scalars.One, Scalars.One)).add(shift, Scalars.One).to(dtype);
    }
}
