using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>FeedForward</c>: <c>net.0</c> (a Linear <c>proj</c> and its activation), <c>net.1</c> (dropout,
/// identity at inference), <c>net.2</c> (Linear back to the model width). The blocks use "gelu-approximate", the
/// token refiner "linear-silu".
/// </summary>
internal sealed class HunyuanVideoFeedForward : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;
#pragma warning restore IDE1006

    public HunyuanVideoFeedForward(int dim, int innerDim, bool silu, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoFeedForward))
    {
        net = new ModuleList<nn.Module<Tensor, Tensor>>(
            new HunyuanVideoActivationProjection(dim, innerDim, silu, dtype, device),
            nn.Identity(),
            nn.Linear(innerDim, dim, device: device, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return net[2].forward(net[0].forward(x)).MoveToOuterDisposeScope();
    }
}
