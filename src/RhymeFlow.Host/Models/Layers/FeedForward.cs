using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Layers;

/// <summary>
/// diffusers' <c>FeedForward</c> with "gelu-approximate": <c>net.0</c> (Linear <c>proj</c> then GELU tanh),
/// <c>net.1</c> (dropout, identity at inference), <c>net.2</c> (Linear back to the model width).
/// </summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;
#pragma warning restore IDE1006

    public FeedForward(int dim, int innerDim, ScalarType dtype, Device device)
        : base(nameof(FeedForward))
    {
        net = new ModuleList<nn.Module<Tensor, Tensor>>(
            new GeluProjection(dim, innerDim, dtype, device),
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
