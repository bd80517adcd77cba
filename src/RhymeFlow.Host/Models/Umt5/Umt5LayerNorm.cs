using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// T5's layer norm: RMS over the last dimension without mean subtraction or bias. The variance is taken in float32
/// and the input is scaled by its reciprocal root (promoting to float32); the result returns to the weight's dtype
/// when that is half precision, then is multiplied by the weight, as transformers' <c>UMT5LayerNorm</c>.
/// </summary>
internal sealed class Umt5LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public Umt5LayerNorm(long dim, double eps, ScalarType dtype, Device device)
        : base(nameof(Umt5LayerNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(dim, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        using var epsilon = eps.ToScalar();
        var variance = input.to(ScalarType.Float32).pow(Scalars.Two).mean([-1], keepdim: true);
        var normalized = input * variance.add_(epsilon, Scalars.One).rsqrt_();
        if (weight.dtype is ScalarType.BFloat16 or ScalarType.Float16)
        {
            normalized = normalized.to(weight.dtype);
        }

        return (weight * normalized).MoveToOuterDisposeScope();
    }
}
