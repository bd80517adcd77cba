using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>diffusers' <c>PixArtAlphaTextProjection</c> with SiLU: linear_1 → SiLU → linear_2, for the pooled text embedding.</summary>
internal sealed class HunyuanVideoTextProjection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear_1;
    private readonly Linear linear_2;
#pragma warning restore IDE1006

    public HunyuanVideoTextProjection(int inFeatures, int dim, Device device)
        : base(nameof(HunyuanVideoTextProjection))
    {
        linear_1 = nn.Linear(inFeatures, dim, device: device, dtype: ScalarType.Float32);
        linear_2 = nn.Linear(dim, dim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>[B, inFeatures] → [B, dim] float32.</summary>
    public override Tensor forward(Tensor pooled)
    {
        using var scope = NewDisposeScope();
        return linear_2.forward(nn.functional.silu(linear_1.forward(pooled.to(ScalarType.Float32)))).MoveToOuterDisposeScope();
    }
}
