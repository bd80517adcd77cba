using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>Timesteps</c> (256 channels, flip_sin_to_cos, shift 0) followed by <c>TimestepEmbedding</c>
/// (linear_1 → SiLU → linear_2). Embeds the timestep and, with its own weights, the guidance scale.
/// </summary>
/// <remarks>Kept in float32 whatever the model dtype: the sinusoid of guidance 6000 needs every bit it has.</remarks>
internal sealed class HunyuanVideoTimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private const double MaxPeriod = 10000.0;

    /// <summary>
    /// ω_k = exp(-ln(10000)·k / 128) with diffusers' float32 roundings of the product and the division, and exp rounded
    /// once to float32 (computed in float64, so the table does not depend on libtorch's vectorised exp).
    /// </summary>
    /// <remarks>
    /// At guidance 6000 one ulp of ω moves an angle by up to 4e-4, and the fixtures carry the roundings of the exp and
    /// sin/cos of the machine that made them. Neither this table nor libtorch's float32 exp reproduces those: the tiny
    /// model's outputs stay 8e-6 to 9e-6 (relative L2) from the fixtures either way, as an exact float64 sinusoid does
    /// (7e-6 to 9e-6, the fixture README's figure), against a 1e-4 tolerance.
    /// </remarks>
    private static readonly float[] Frequencies = [.. Enumerable.Range(0, HunyuanVideoConfig.FrequencyDim / 2)
        .Select(k => (float)Math.Exp((float)((float)-Math.Log(MaxPeriod) * k) / (HunyuanVideoConfig.FrequencyDim / 2)))];

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear_1;
    private readonly Linear linear_2;
#pragma warning restore IDE1006

    public HunyuanVideoTimestepEmbedding(int dim, Device device)
        : base(nameof(HunyuanVideoTimestepEmbedding))
    {
        linear_1 = nn.Linear(HunyuanVideoConfig.FrequencyDim, dim, device: device, dtype: ScalarType.Float32);
        linear_2 = nn.Linear(dim, dim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Embeds values [B] into [B, dim] float32.</summary>
    public override Tensor forward(Tensor values)
    {
        using var scope = NewDisposeScope();
        return linear_2.forward(nn.functional.silu(linear_1.forward(Sinusoid(values)))).MoveToOuterDisposeScope();
    }

    /// <summary>[B, 256] float32: cos of t·ω_k, then sin; the product and both functions in float32, as diffusers.</summary>
    private static Tensor Sinusoid(Tensor values)
    {
        var frequencies = tensor(Frequencies, device: values.device);
        var angles = values.to(ScalarType.Float32).unsqueeze(-1) * frequencies.unsqueeze(0);
        return cat([angles.cos(), angles.sin()], -1);
    }
}
