using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// Noise from a generator of its own, seeded once: the same seed and the same sequence of calls give the same noise,
/// whatever else draws from torch's global generator. Drawn on the CPU in float32 and moved, so a seed gives the same
/// values on every device.
/// </summary>
public sealed class SeededNoise : INoiseSource, IDisposable
{
    private readonly Generator generator;

    /// <summary>Creates the source.</summary>
    public SeededNoise(long seed) => generator = new Generator(unchecked((ulong)seed), CPU);

    /// <inheritdoc/>
    public Tensor Noise(int step, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        using var scope = NewDisposeScope();
        return randn(like.shape, ScalarType.Float32, CPU, generator: generator).to(like.dtype, like.device).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose() => generator.Dispose();
}
