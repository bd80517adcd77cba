using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>The feed-forward sublayer (transformers' <c>UMT5LayerFF</c>): <c>x + DenseReluDense(layer_norm(x))</c>.</summary>
internal sealed class Umt5LayerFF : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Umt5DenseGatedActDense DenseReluDense;
    private readonly Umt5LayerNorm layer_norm;
#pragma warning restore IDE1006

    public Umt5LayerFF(Umt5Config config, ScalarType dtype, ScalarType outputDtype, Device device)
        : base(nameof(Umt5LayerFF))
    {
        DenseReluDense = new Umt5DenseGatedActDense(config, dtype, outputDtype, device);
        layer_norm = new Umt5LayerNorm(config.DModel, config.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return hidden.add(DenseReluDense.forward(layer_norm.forward(hidden)), Scalars.One).MoveToOuterDisposeScope();
    }
}
