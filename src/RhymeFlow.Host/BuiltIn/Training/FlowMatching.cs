using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>
/// The rectified-flow objective of Wan: x_t = (1 − σ)·x0 + σ·noise, the model predicts v = noise − x0 from x_t at
/// timestep 1000·σ, and the loss is the mean squared error. σ is drawn from a shifted logit-normal.
/// </summary>
public static class FlowMatching
{
    /// <summary>The timestep scale of Wan's scheduler: timestep = 1000·σ.</summary>
    public const double TimestepScale = 1000.0;

    /// <summary>The flow shift: s·σ / (1 + (s − 1)·σ); identity for s = 1, monotone, fixes 0 and 1.</summary>
    public static double Shift(double sigma, double shift) => shift * sigma / (1 + ((shift - 1) * sigma));

    /// <summary>
    /// σ for <paramref name="count"/> samples: sigmoid(N(0, 1)) shifted by <paramref name="shift"/>, as float32 on the CPU.
    /// </summary>
    public static Tensor SampleSigmas(Generator generator, int count, double shift)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        using var shiftScalar = shift.ToScalar();
        using var shiftMinusOne = (shift - 1).ToScalar();
        var sigma = randn([count], ScalarType.Float32, CPU, generator: generator).sigmoid();
        return sigma.mul(shiftScalar).div(sigma.mul(shiftMinusOne).add(Scalars.One, Scalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>The noisy input x_t and the velocity target v for clean latents x0 [B, …], noise of its shape and σ [B].</summary>
    public static (Tensor Noisy, Tensor Target) Interpolate(Tensor clean, Tensor noise, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(sigma);
        using var scope = NewDisposeScope();
        var s = sigma.to(clean.dtype, clean.device).reshape([clean.shape[0], .. Enumerable.Repeat(1L, (int)clean.ndim - 1)]);
        // (1 − s)·x0 + s·noise; 1 − s is what TorchSharp's 1 - s computes: s.negative() + 1.
        var noisy = (s.negative().add(Scalars.One, Scalars.One) * clean).add(s * noise, Scalars.One);
        var target = noise - clean;
        return (noisy.MoveToOuterDisposeScope(), target.MoveToOuterDisposeScope());
    }
}
