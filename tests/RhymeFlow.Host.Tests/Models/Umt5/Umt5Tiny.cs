using RhymeFlow.Host.Models.Umt5;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>The two-layer reference encoder of the transformers fixtures, and helpers to compare against it.</summary>
internal static class Umt5Tiny
{
    public static string ConfigPath => Fixtures.WanPipeline("umt5-tiny.config.json");

    public static string WeightsPath => Fixtures.WanPipeline("umt5-tiny.weights.safetensors");

    public static Umt5Config Config => Umt5Config.FromJson(ConfigPath);

    public static Umt5Encoder Load(ScalarType dtype = ScalarType.Float32, string? weights = null)
    {
        var model = Umt5Encoder.Create(Config, dtype, CPU);
        model.LoadWeights(weights ?? WeightsPath);
        return model;
    }

    /// <summary>The fixture case: <c>input_ids</c>, <c>attention_mask</c>, <c>last_hidden_state</c>; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> ReadCase() => FixtureTensors.ReadAll(Fixtures.WanPipeline("umt5-tiny.case.safetensors"));

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected) => FixtureTensors.RelativeError(actual, expected);

    public static void DisposeAll(Dictionary<string, Tensor> tensors) => FixtureTensors.DisposeAll(tensors);
}
