using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>Where a stochastic solver gets the noise of each step.</summary>
public interface INoiseSource
{
    /// <summary>Standard normal noise like <paramref name="like"/> (shape, dtype, device) for inference step <paramref name="step"/>; the caller owns it.</summary>
    Tensor Noise(int step, Tensor like);
}
