using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Layers;

/// <summary>diffusers' <c>GELU</c> block (<c>ffn.net.0</c>): a Linear named <c>proj</c>, then GELU with the tanh approximation.</summary>
internal sealed class GeluProjection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear proj;
#pragma warning restore IDE1006

    public GeluProjection(int dim, int innerDim, ScalarType dtype, Device device)
        : base(nameof(GeluProjection))
    {
        proj = nn.Linear(dim, innerDim, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.gelu(proj.forward(x), GELU.Approximate.tanh);
}
