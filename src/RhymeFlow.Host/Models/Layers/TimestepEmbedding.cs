using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Layers;

/// <summary>
/// The timestep MLP of diffusers' <c>TimestepEmbedding</c> (linear_1 → SiLU → linear_2), plus the sinusoidal
/// projection that feeds it (<c>Timesteps</c> with flip_sin_to_cos = true, downscale_freq_shift = 0).
/// </summary>
/// <remarks>Kept in float32 whatever the model dtype: Wan lists it in diffusers' <c>_keep_in_fp32_modules</c>, and for CogVideoX it only makes the embedding more precise.</remarks>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private const double MaxPeriod = 10000.0;
    private readonly int freqDim;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear_1;
    private readonly Linear linear_2;
#pragma warning restore IDE1006

    public TimestepEmbedding(int freqDim, int dim, Device device)
        : base(nameof(TimestepEmbedding))
    {
        this.freqDim = freqDim;
        linear_1 = nn.Linear(freqDim, dim, device: device, dtype: ScalarType.Float32);
        linear_2 = nn.Linear(dim, dim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Embeds timesteps of any shape [...] into [..., dim] float32.</summary>
    public override Tensor forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var sinusoid = Sinusoid(timesteps);
        return linear_2.forward(nn.functional.silu(linear_1.forward(sinusoid))).MoveToOuterDisposeScope();
    }

    /// <summary>[..., freqDim] float32: cos of t·ω_k then sin of t·ω_k, ω_k = 10000^(-k / (freqDim/2)).</summary>
    private Tensor Sinusoid(Tensor timesteps)
    {
        var half = freqDim / 2;
        using var stop = half.ToScalar();
        using var step = ((float)(-Math.Log(MaxPeriod) / half)).ToScalar();
        var exponent = arange(Scalars.Zero, stop, Scalars.One, ScalarType.Float32, timesteps.device).mul(step);
        var angles = timesteps.to(ScalarType.Float32).unsqueeze(-1) * exponent.exp();
        return cat([angles.cos(), angles.sin()], -1);
    }
}
