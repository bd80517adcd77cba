using RhymeFlow.Host.Models.Wan;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The three attention modules of HunyuanVideo (diffusers' <c>Attention</c> as each block configures it): the
/// projections, the per-head RMS qk-norm, one masked SDPA call in [B, H, L, D] layout, and the output projections.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Refiner"/>: to_q/k/v and to_out.0, no qk-norm.</item>
/// <item><see cref="Dual"/>: video projections (to_*, norm_q/k, to_out.0) and text projections (add_*_proj,
/// norm_added_q/k, to_add_out).</item>
/// <item><see cref="Single"/>: to_q/k/v and norm_q/k over the joint sequence; no output projection (pre_only: the
/// block's proj_out mixes attention and MLP).</item>
/// </list>
/// </remarks>
internal sealed class HunyuanVideoAttention : nn.Module
{
    private readonly int heads;
    private readonly int headDim;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly WanRmsNorm? norm_q;
    private readonly WanRmsNorm? norm_k;
    private readonly Linear? add_q_proj;
    private readonly Linear? add_k_proj;
    private readonly Linear? add_v_proj;
    private readonly WanRmsNorm? norm_added_q;
    private readonly WanRmsNorm? norm_added_k;
    private readonly ModuleList<Linear>? to_out;
    private readonly Linear? to_add_out;
#pragma warning restore IDE1006

    private HunyuanVideoAttention(int heads, int headDim, bool qkNorm, bool text, bool output, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoAttention))
    {
        this.heads = heads;
        this.headDim = headDim;
        var dim = heads * headDim;
        Linear Projection() => nn.Linear(dim, dim, device: device, dtype: dtype);
        WanRmsNorm Norm() => new(headDim, HunyuanVideoConfig.Eps, dtype, device);
        to_q = Projection();
        to_k = Projection();
        to_v = Projection();
        norm_q = qkNorm ? Norm() : null;
        norm_k = qkNorm ? Norm() : null;
        if (text)
        {
            add_q_proj = Projection();
            add_k_proj = Projection();
            add_v_proj = Projection();
            norm_added_q = qkNorm ? Norm() : null;
            norm_added_k = qkNorm ? Norm() : null;
            to_add_out = Projection();
        }

        to_out = output ? new ModuleList<Linear>(Projection()) : null;
        RegisterComponents();
    }

    /// <summary>The token refiner's self-attention.</summary>
    public static HunyuanVideoAttention Refiner(HunyuanVideoConfig config, ScalarType dtype, Device device) =>
        new(config.NumAttentionHeads, config.AttentionHeadDim, qkNorm: false, text: false, output: true, dtype, device);

    /// <summary>A dual-stream block's joint attention.</summary>
    public static HunyuanVideoAttention Dual(HunyuanVideoConfig config, ScalarType dtype, Device device) =>
        new(config.NumAttentionHeads, config.AttentionHeadDim, qkNorm: true, text: true, output: true, dtype, device);

    /// <summary>A single-stream block's attention.</summary>
    public static HunyuanVideoAttention Single(HunyuanVideoConfig config, ScalarType dtype, Device device) =>
        new(config.NumAttentionHeads, config.AttentionHeadDim, qkNorm: true, text: false, output: false, dtype, device);

    /// <summary>Queries, keys and values of x [B, L, dim], each [B, L, H, D], qk-normed where the module has norms.</summary>
    public (Tensor Query, Tensor Key, Tensor Value) Project(Tensor x) =>
        (Normed(norm_q, Split(to_q.forward(x))), Normed(norm_k, Split(to_k.forward(x))), Split(to_v.forward(x)));

    /// <summary>The keys and values of x [B, L, dim] alone, each [B, L, H, D], the key qk-normed: the K/V part of <see cref="Project"/>.</summary>
    public (Tensor Key, Tensor Value) KeyValue(Tensor x) =>
        (Normed(norm_k, Split(to_k.forward(x))), Split(to_v.forward(x)));

    /// <summary>The text stream's queries, keys and values (add_*_proj, norm_added_*), each [B, L, H, D].</summary>
    public (Tensor Query, Tensor Key, Tensor Value) ProjectText(Tensor x)
    {
        if (add_q_proj is null || add_k_proj is null || add_v_proj is null)
        {
            throw new InvalidOperationException("this attention has no text projections");
        }

        return (Normed(norm_added_q, Split(add_q_proj.forward(x))), Normed(norm_added_k, Split(add_k_proj.forward(x))), Split(add_v_proj.forward(x)));
    }

    /// <summary>The video output projection (to_out.0), or the input where the module has none (single-stream).</summary>
    public Tensor ProjectOut(Tensor x) => to_out is null ? x.alias() : to_out[0].forward(x);

    /// <summary>The text output projection (to_add_out).</summary>
    public Tensor ProjectTextOut(Tensor x) =>
        (to_add_out ?? throw new InvalidOperationException("this attention has no text output projection")).forward(x);

    /// <summary>
    /// SDPA of queries [B, H, Lq, D] over keys/values [B, H, Lk, D] with a boolean mask broadcastable to
    /// [B, H, Lq, Lk] (true: attend), heads merged: [B, Lq, H·D]. Scale 1/√D, as diffusers.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor key, Tensor value, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return MergeHeads(AttendHeads(query, key, value, mask)).MoveToOuterDisposeScope();
    }

    /// <summary>The masked SDPA of <see cref="Attend"/>, still per head: [B, H, Lq, D].</summary>
    public static Tensor AttendHeads(Tensor query, Tensor key, Tensor value, Tensor mask) =>
        nn.functional.scaled_dot_product_attention(query, key, value, mask);

    /// <summary>[B, H, L, D] → [B, L, H·D].</summary>
    public static Tensor MergeHeads(Tensor attended) => attended.transpose(1, 2).flatten(2);

    private Tensor Split(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim);

    private static Tensor Normed(WanRmsNorm? norm, Tensor x) => norm is null ? x : norm.forward(x);
}
