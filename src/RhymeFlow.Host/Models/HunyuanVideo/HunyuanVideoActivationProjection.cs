using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary><c>ff.net.0</c>: a Linear named <c>proj</c>, then GELU (tanh approximation) or SiLU.</summary>
internal sealed class HunyuanVideoActivationProjection : nn.Module<Tensor, Tensor>
{
    private readonly bool silu;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear proj;
#pragma warning restore IDE1006

    public HunyuanVideoActivationProjection(int dim, int innerDim, bool silu, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoActivationProjection))
    {
        this.silu = silu;
        proj = nn.Linear(dim, innerDim, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var projected = proj.forward(x);
        var activated = silu ? nn.functional.silu(projected) : nn.functional.gelu(projected, GELU.Approximate.tanh);
        return activated.MoveToOuterDisposeScope();
    }
}
