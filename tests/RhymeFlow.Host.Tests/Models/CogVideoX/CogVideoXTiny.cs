using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>The two-layer CogVideoX-1.5 reference model of the diffusers fixtures, and helpers to compare against it.</summary>
internal static class CogVideoXTiny
{
    public static string ConfigPath => Fixtures.CogVideoXDiffusers("cogvideox-tiny.config.json");

    public static string WeightsPath => Fixtures.CogVideoXDiffusers("cogvideox-tiny.weights.safetensors");

    public static CogVideoXTransformer Load(ScalarType dtype = ScalarType.Float32) =>
        CogVideoXTransformer.Load(ConfigPath, WeightsPath, dtype, CPU);

    /// <summary>Reads the named tensors of a fixture file; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> ReadCase(string file) => FixtureTensors.ReadAll(Fixtures.CogVideoXDiffusers(file));

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected) => FixtureTensors.RelativeError(actual, expected);

    public static void DisposeAll(Dictionary<string, Tensor> tensors) => FixtureTensors.DisposeAll(tensors);
}
