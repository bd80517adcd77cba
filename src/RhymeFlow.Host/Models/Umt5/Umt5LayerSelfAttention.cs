using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>The self-attention sublayer (transformers' <c>UMT5LayerSelfAttention</c>): <c>x + SelfAttention(layer_norm(x))</c>.</summary>
internal sealed class Umt5LayerSelfAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Umt5Attention SelfAttention;
    private readonly Umt5LayerNorm layer_norm;
#pragma warning restore IDE1006

    public Umt5LayerSelfAttention(Umt5Config config, ScalarType dtype, Device device)
        : base(nameof(Umt5LayerSelfAttention))
    {
        SelfAttention = new Umt5Attention(config, dtype, device);
        layer_norm = new Umt5LayerNorm(config.DModel, config.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }

    /// <param name="hidden">Hidden states [B, L, d_model].</param>
    /// <param name="buckets">Relative-position buckets [L, L].</param>
    /// <param name="maskBias">Additive padding bias [B, 1, 1, L].</param>
    public override Tensor forward(Tensor hidden, Tensor buckets, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        return hidden.add(SelfAttention.forward(layer_norm.forward(hidden), buckets, maskBias), Scalars.One).MoveToOuterDisposeScope();
    }
}
