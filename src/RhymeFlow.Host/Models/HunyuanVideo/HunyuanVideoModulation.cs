using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The projection of the conditioning vector that every adaptive norm of HunyuanVideo owns (a Linear named
/// <c>linear</c> after SiLU): <c>AdaLayerNormZero</c> (6 chunks), <c>AdaLayerNormZeroSingle</c> (3),
/// <c>AdaLayerNormContinuous</c> (2: scale, shift) and the refiner's <c>HunyuanVideoAdaNorm</c> (2: gates).
/// </summary>
/// <remarks>The norms themselves have no weights; <see cref="HunyuanVideoNorms"/> applies them. Runs in float32.</remarks>
internal sealed class HunyuanVideoModulation : nn.Module
{
    private readonly int chunks;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear;
#pragma warning restore IDE1006

    public HunyuanVideoModulation(int dim, int chunks, Device device)
        : base(nameof(HunyuanVideoModulation))
    {
        this.chunks = chunks;
        linear = nn.Linear(dim, chunks * dim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>The chunks of linear(SiLU(temb)) for temb [B, dim], each [B, 1, dim] float32 (broadcast over tokens), in diffusers' order.</summary>
    public Tensor[] Forward(Tensor temb)
    {
        using var scope = NewDisposeScope();
        var parts = linear.forward(nn.functional.silu(temb)).unsqueeze(1).chunk(chunks, 2);
        foreach (var part in parts)
        {
            part.MoveToOuterDisposeScope();
        }

        return parts;
    }
}
