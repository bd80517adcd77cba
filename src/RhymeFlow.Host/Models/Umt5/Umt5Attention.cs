using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// umT5 self-attention (transformers' <c>UMT5Attention</c> in an encoder): q/k/v/o projections without bias, no
/// 1/sqrt(d) scaling, and this layer's own relative position bias (<c>relative_attention_bias</c>, buckets × heads)
/// added to the scores together with the padding mask. Softmax runs in float32 and returns to the scores' dtype.
/// </summary>
internal sealed class Umt5Attention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly int heads;
    private readonly int headDim;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;
    private readonly Umt5Embedding relative_attention_bias;
#pragma warning restore IDE1006

    public Umt5Attention(Umt5Config config, ScalarType dtype, Device device)
        : base(nameof(Umt5Attention))
    {
        heads = config.NumHeads;
        headDim = config.DKv;
        q = nn.Linear(config.DModel, config.InnerDim, hasBias: false, device: device, dtype: dtype);
        k = nn.Linear(config.DModel, config.InnerDim, hasBias: false, device: device, dtype: dtype);
        v = nn.Linear(config.DModel, config.InnerDim, hasBias: false, device: device, dtype: dtype);
        o = nn.Linear(config.InnerDim, config.DModel, hasBias: false, device: device, dtype: dtype);
        relative_attention_bias = new Umt5Embedding(config.RelativeAttentionNumBuckets, config.NumHeads, dtype, device);
        RegisterComponents();
    }

    /// <param name="hidden">Normalised hidden states [B, L, d_model].</param>
    /// <param name="buckets">Relative-position buckets [L, L] (int64).</param>
    /// <param name="maskBias">Padding mask as an additive bias [B, 1, 1, L] (0 or the dtype's minimum).</param>
    /// <returns>The projected attention output [B, L, d_model].</returns>
    public override Tensor forward(Tensor hidden, Tensor buckets, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var query = SplitHeads(q.forward(hidden));
        var key = SplitHeads(k.forward(hidden));
        var value = SplitHeads(v.forward(hidden));

        var scores = query.matmul(key.transpose(-1, -2));
        var positionBias = relative_attention_bias.forward(buckets).permute(2, 0, 1).unsqueeze(0);
        scores = scores.add(positionBias.add(maskBias, Scalars.One), Scalars.One);
        var weights = scores.to(ScalarType.Float32).softmax(-1).to(scores.dtype);

        var context = weights.matmul(value).transpose(1, 2).reshape(hidden.shape[0], hidden.shape[1], heads * headDim);
        return o.forward(context).MoveToOuterDisposeScope();
    }

    /// <summary>[B, L, H·D] → [B, H, L, D].</summary>
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
