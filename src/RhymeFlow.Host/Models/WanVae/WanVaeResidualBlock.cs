using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanResidualBlock</c>: norm1 → SiLU → causal conv1 (3³) → norm2 → SiLU → causal conv2 (3³), plus the
/// input (through a 1³ <c>conv_shortcut</c> when the channel count changes). Both 3³ convolutions use the feature cache.
/// </summary>
internal sealed class WanVaeResidualBlock : nn.Module<Tensor, WanVaeFeatureCache, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanVaeRmsNorm norm1;
    private readonly WanCausalConv3d conv1;
    private readonly WanVaeRmsNorm norm2;
    private readonly WanCausalConv3d conv2;
    private readonly WanCausalConv3d? conv_shortcut;
#pragma warning restore IDE1006

    public WanVaeResidualBlock(long inDim, long outDim, ScalarType dtype, Device device)
        : base(nameof(WanVaeResidualBlock))
    {
        norm1 = new WanVaeRmsNorm(inDim, images: false, dtype, device);
        conv1 = WanCausalConv3d.Cube(inDim, outDim, 3, 1, dtype, device);
        norm2 = new WanVaeRmsNorm(outDim, images: false, dtype, device);
        conv2 = WanCausalConv3d.Cube(outDim, outDim, 3, 1, dtype, device);
        conv_shortcut = inDim != outDim ? WanCausalConv3d.Cube(inDim, outDim, 1, 0, dtype, device) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, WanVaeFeatureCache cache)
    {
        using var scope = NewDisposeScope();
        var shortcut = conv_shortcut is null ? input : conv_shortcut.forward(input, null);
        var x = norm1.forward(input).silu_();
        x = cache.Convolve(conv1, x);
        x = norm2.forward(x).silu_();
        x = cache.Convolve(conv2, x);
        return x.add(shortcut, Scalars.One).MoveToOuterDisposeScope();
    }
}
