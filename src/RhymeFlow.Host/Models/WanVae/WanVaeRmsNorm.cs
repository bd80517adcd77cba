using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanRMS_norm</c> (channel first, no bias): <c>F.normalize(x, dim=1) · √C · γ</c>, i.e. x divided by
/// max(‖x‖₂ over channels, 1e-12). Computed in float32; the result returns to the input dtype.
/// </summary>
internal sealed class WanVaeRmsNorm : nn.Module<Tensor, Tensor>
{
    private static readonly Scalar NormalizeEps = 1e-12.ToScalar();

    private readonly double scale;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Parameter gamma;
#pragma warning restore IDE1006

    /// <param name="dim">Channels.</param>
    /// <param name="images">True for 4-D input [N, C, H, W] (γ is [C, 1, 1]); false for 5-D video [B, C, T, H, W] (γ is [C, 1, 1, 1]).</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Weight device.</param>
    public WanVaeRmsNorm(long dim, bool images, ScalarType dtype, Device device)
        : base(nameof(WanVaeRmsNorm))
    {
        scale = Math.Sqrt(dim);
        long[] shape = images ? [dim, 1, 1] : [dim, 1, 1, 1];
        gamma = new Parameter(ones(shape, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        using var channelScale = scale.ToScalar();
        var norm = x.norm(1, keepdim: true).clamp_min(NormalizeEps);
        var normalized = x.div(norm).mul_(channelScale).mul_(gamma.to(ScalarType.Float32));
        return normalized.to(input.dtype).MoveToOuterDisposeScope();
    }
}
