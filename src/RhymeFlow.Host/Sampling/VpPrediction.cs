using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>What a v-prediction says about the clean sample.</summary>
internal static class VpPrediction
{
    /// <summary>x0 = √ᾱ x − √(1 − ᾱ) v, in diffusers' order of operations.</summary>
    public static Tensor Original(Tensor sample, Tensor prediction, double alpha)
    {
        using var sampleWeight = Math.Sqrt(alpha).ToScalar();
        using var predictionWeight = (-Math.Sqrt(1 - alpha)).ToScalar();
        using var scaled = sample.mul(sampleWeight);
        return scaled.add(prediction, predictionWeight);
    }
}
