using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanMidBlock</c> with one layer: residual block, attention block, residual block. The attention is
/// there whatever <c>attn_scales</c> says.
/// </summary>
internal sealed class WanVaeMidBlock : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<WanVaeAttentionBlock> attentions;
    private readonly ModuleList<WanVaeResidualBlock> resnets;
#pragma warning restore IDE1006

    public WanVaeMidBlock(long dim, ScalarType dtype, Device device)
        : base(nameof(WanVaeMidBlock))
    {
        attentions = new ModuleList<WanVaeAttentionBlock>(new WanVaeAttentionBlock(dim, dtype, device));
        resnets = new ModuleList<WanVaeResidualBlock>(new WanVaeResidualBlock(dim, dim, dtype, device), new WanVaeResidualBlock(dim, dim, dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var x = resnets[0].forward(input, cache);
        for (var i = 0; i < attentions.Count; i++)
        {
            x = attentions[i].forward(x, cache);
            x = resnets[i + 1].forward(x, cache);
        }

        return x.MoveToOuterDisposeScope();
    }
}
