using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// One Wan attention (self: attn1, cross: attn2): q/k/v projections, RMSNorm across heads on q and k, one SDPA call in
/// [B, H, L, D] layout, and the output projection <c>to_out.0</c>.
/// </summary>
internal sealed class WanAttention : nn.Module
{
    private readonly int heads;
    private readonly int headDim;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<Linear> to_out;
    private readonly WanRmsNorm norm_q;
    private readonly WanRmsNorm norm_k;
#pragma warning restore IDE1006

    public WanAttention(WanConfig config, ScalarType dtype, Device device)
        : base(nameof(WanAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.AttentionHeadDim;
        var dim = config.InnerDim;
        to_q = nn.Linear(dim, dim, device: device, dtype: dtype);
        to_k = nn.Linear(dim, dim, device: device, dtype: dtype);
        to_v = nn.Linear(dim, dim, device: device, dtype: dtype);
        to_out = new ModuleList<Linear>(nn.Linear(dim, dim, device: device, dtype: dtype));
        norm_q = new WanRmsNorm(dim, config.Eps, dtype, device);
        norm_k = new WanRmsNorm(dim, config.Eps, dtype, device);
        RegisterComponents();
    }

    /// <summary>Normalised queries [B, L, H, D] (token-major; rotate, then <c>transpose(1, 2)</c> for SDPA).</summary>
    public Tensor Query(Tensor x) => SplitHeads(norm_q.forward(to_q.forward(x)));

    /// <summary>Normalised keys and values, each [B, L, H, D] (token-major).</summary>
    public (Tensor Key, Tensor Value) KeyValue(Tensor x) =>
        (SplitHeads(norm_k.forward(to_k.forward(x))), SplitHeads(to_v.forward(x)));

    /// <summary>Attention of queries [B, H, Lq, D] over keys/values [B, H, Lk, D], projected out: [B, Lq, dim].</summary>
    public Tensor Attend(Tensor query, Tensor key, Tensor value)
    {
        using var scope = NewDisposeScope();
        return Project(AttendHeads(query, key, value)).MoveToOuterDisposeScope();
    }

    /// <summary>SDPA of queries [B, H, Lq, D] over keys/values [B, H, Lk, D], still per head: [B, H, Lq, D].</summary>
    public static Tensor AttendHeads(Tensor query, Tensor key, Tensor value) =>
        nn.functional.scaled_dot_product_attention(query, key, value);

    /// <summary>Merges the heads of an attention output [B, H, Lq, D] and projects it out: [B, Lq, dim].</summary>
    public Tensor Project(Tensor attended)
    {
        using var scope = NewDisposeScope();
        var merged = attended.transpose(1, 2).flatten(2);
        return to_out[0].forward(merged).MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim);
}
