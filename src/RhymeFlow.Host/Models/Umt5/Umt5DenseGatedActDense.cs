using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// The gated-GELU feed-forward network (transformers' <c>UMT5DenseGatedActDense</c>):
/// <c>wo(gelu_tanh(wi_0(x)) * wi_1(x))</c>, no biases. The product is cast to <c>wo</c>'s dtype before the
/// projection, so a float32 <c>wo</c> in a half-precision model yields a float32 result.
/// </summary>
internal sealed class Umt5DenseGatedActDense : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear wi_0;
    private readonly Linear wi_1;
    private readonly Linear wo;
#pragma warning restore IDE1006

    /// <param name="config">The architecture.</param>
    /// <param name="dtype">Dtype of <c>wi_0</c> and <c>wi_1</c>.</param>
    /// <param name="outputDtype">Dtype of <c>wo</c> (float32 where transformers keeps it so).</param>
    /// <param name="device">Where the weights live.</param>
    public Umt5DenseGatedActDense(Umt5Config config, ScalarType dtype, ScalarType outputDtype, Device device)
        : base(nameof(Umt5DenseGatedActDense))
    {
        wi_0 = nn.Linear(config.DModel, config.DFf, hasBias: false, device: device, dtype: dtype);
        wi_1 = nn.Linear(config.DModel, config.DFf, hasBias: false, device: device, dtype: dtype);
        wo = nn.Linear(config.DFf, config.DModel, hasBias: false, device: device, dtype: outputDtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gate = nn.functional.gelu(wi_0.forward(x), GELU.Approximate.tanh);
        var product = (gate * wi_1.forward(x)).to(wo.weight!.dtype);
        return wo.forward(product).MoveToOuterDisposeScope();
    }
}
