using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>The weightless LayerNorm, modulation and gated residual that every HunyuanVideo block repeats, in float32.</summary>
internal static class HunyuanVideoNorms
{
    /// <summary>LayerNorm without affine (eps 1e-6) in float32, then x·(1 + scale) + shift, back to <paramref name="dtype"/>.</summary>
    public static Tensor Modulated(Tensor hidden, Tensor shift, Tensor scale, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var normalized = nn.functional.layer_norm(hidden.to(ScalarType.Float32), [hidden.shape[^1]], null, null, HunyuanVideoConfig.Eps);
        return (normalized * scale.add(Scalars.One, Scalars.One)).add(shift, Scalars.One).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>residual + gate · delta, summed in float32 and returned in <paramref name="dtype"/>.</summary>
    public static Tensor GatedAdd(Tensor residual, Tensor delta, Tensor gate, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return residual.to(ScalarType.Float32).add(delta.to(ScalarType.Float32) * gate, Scalars.One).to(dtype).MoveToOuterDisposeScope();
    }
}
