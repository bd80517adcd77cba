using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>FeedForward</c> with "linear-silu", the token refiner's: <c>net.0.proj</c> (a Linear, then SiLU),
/// <c>net.1</c> (dropout, identity at inference), <c>net.2</c> (Linear back to the model width). The blocks use the
/// shared gelu-approximate <see cref="Layers.FeedForward"/>.
/// </summary>
internal sealed class HunyuanVideoSiluFeedForward : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;
#pragma warning restore IDE1006

    public HunyuanVideoSiluFeedForward(int dim, int innerDim, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoSiluFeedForward))
    {
        net = new ModuleList<nn.Module<Tensor, Tensor>>(
            new SiluProjection(dim, innerDim, dtype, device),
            nn.Identity(),
            nn.Linear(innerDim, dim, device: device, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return net[2].forward(net[0].forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>diffusers' <c>LinearActivation</c> (<c>net.0</c>): a Linear named <c>proj</c>, then SiLU.</summary>
    private sealed class SiluProjection : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006 // Field names are state-dict keys.
        private readonly Linear proj;
#pragma warning restore IDE1006

        public SiluProjection(int dim, int innerDim, ScalarType dtype, Device device)
            : base(nameof(SiluProjection))
        {
            proj = nn.Linear(dim, innerDim, device: device, dtype: dtype);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.silu(proj.forward(x));
    }
}
