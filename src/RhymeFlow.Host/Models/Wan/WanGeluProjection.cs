using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>diffusers' <c>GELU</c> block (<c>ffn.net.0</c>): a Linear named <c>proj</c>, then GELU with the tanh approximation.</summary>
internal sealed class WanGeluProjection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear proj;
#pragma warning restore IDE1006

    public WanGeluProjection(int dim, int innerDim, ScalarType dtype, Device device)
        : base(nameof(WanGeluProjection))
    {
        proj = nn.Linear(dim, innerDim, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.gelu(proj.forward(x), GELU.Approximate.tanh);
}
