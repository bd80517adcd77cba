using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.Wan;

/// <summary>The two-layer reference model of the diffusers fixtures, and helpers to compare against it.</summary>
internal static class WanTiny
{
    public static string ConfigPath => Fixtures.WanDiffusers("wan-tiny.config.json");

    public static string WeightsPath => Fixtures.WanDiffusers("wan-tiny.weights.safetensors");

    public static WanTransformer Load(ScalarType dtype = ScalarType.Float32, string? weights = null)
    {
        var model = WanTransformer.Create(WanConfig.FromJson(ConfigPath), dtype, CPU);
        model.LoadWeights(weights ?? WeightsPath);
        return model;
    }

    /// <summary>Reads the named tensors of a fixture file; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> ReadCase(string file) => FixtureTensors.ReadAll(Fixtures.WanDiffusers(file));

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected) => FixtureTensors.RelativeError(actual, expected);
}
