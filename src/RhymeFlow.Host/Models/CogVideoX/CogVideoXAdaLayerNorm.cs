using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The output modulation <c>norm_out</c> (diffusers' <c>AdaLayerNorm</c> with chunk_dim 1): <c>linear(silu(temb))</c>
/// split as (shift, scale), shift first, applied after a LayerNorm. Float32 whatever the model dtype.
/// </summary>
internal sealed class CogVideoXAdaLayerNorm : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear;
    private readonly LayerNorm norm;
#pragma warning restore IDE1006

    public CogVideoXAdaLayerNorm(int conditioningDim, int dim, double eps, Device device)
        : base(nameof(CogVideoXAdaLayerNorm))
    {
        linear = nn.Linear(conditioningDim, 2 * dim, device: device, dtype: ScalarType.Float32);
        norm = nn.LayerNorm(dim, eps, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Modulates tokens [B, N, dim] by the timestep embedding [B, timeEmbedDim]; float32 in and out.</summary>
    public override Tensor forward(Tensor tokens, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();
        var chunks = linear.forward(nn.functional.silu(timeEmbedding)).unsqueeze(1).chunk(2, -1);
        return CogVideoXLayerNormZero.Modulated(norm.forward(tokens), chunks[0], chunks[1]).MoveToOuterDisposeScope();
    }
}
