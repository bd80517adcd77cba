using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// RMS normalisation over the last dimension with a learned scale, as <c>torch.nn.RMSNorm</c>:
/// the statistics and the normalisation run in float32, the result returns to the input dtype and is then scaled.
/// </summary>
/// <remarks>Wan applies it to queries and keys across all heads at once (weight over the full model width).</remarks>
internal sealed class WanRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public WanRmsNorm(long dim, double eps, ScalarType dtype, Device device)
        : base(nameof(WanRmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(dim, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        using var epsilon = eps.ToScalar();
        var normalized = x * x.pow(Scalars.Two).mean([-1], keepdim: true).add_(epsilon, Scalars.One).rsqrt_();
        return (normalized.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
