using RhymeFlow.Host.Checkpoints;
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
    public static Dictionary<string, Tensor> ReadCase()
    {
        using var reader = CheckpointReader.Open(Fixtures.WanPipeline("umt5-tiny.case.safetensors"));
        return reader.Keys.ToDictionary(key => key, reader.Read);
    }

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64);
        var e = expected.to(ScalarType.Float64);
        return (a - e).norm().item<double>() / e.norm().item<double>();
    }

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
