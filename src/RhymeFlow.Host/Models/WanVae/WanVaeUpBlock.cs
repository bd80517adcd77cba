using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanUpBlock</c> (Wan 2.1): <c>num_res_blocks + 1</c> residual blocks, then optionally one
/// <see cref="WanVaeResample"/> in <c>upsamplers.0</c>, which halves the channels.
/// </summary>
internal sealed class WanVaeUpBlock : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<WanVaeResidualBlock> resnets;
    private readonly ModuleList<WanVaeResample>? upsamplers;
#pragma warning restore IDE1006

    public WanVaeUpBlock(long inDim, long outDim, int numResBlocks, WanVaeResampleMode? upsample, ScalarType dtype, Device device)
        : base(nameof(WanVaeUpBlock))
    {
        resnets = new ModuleList<WanVaeResidualBlock>();
        for (var i = 0; i <= numResBlocks; i++)
        {
            resnets.Add(new WanVaeResidualBlock(i == 0 ? inDim : outDim, outDim, dtype, device));
        }

        upsamplers = upsample is { } mode ? new ModuleList<WanVaeResample>(new WanVaeResample(outDim, mode, dtype, device)) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var resnet in resnets)
        {
            x = resnet.forward(x, cache);
        }

        if (upsamplers is not null)
        {
            x = upsamplers[0].forward(x, cache);
        }

        return x.alias().MoveToOuterDisposeScope();
    }
}
