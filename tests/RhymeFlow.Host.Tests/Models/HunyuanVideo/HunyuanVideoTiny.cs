using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.HunyuanVideo;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>The tiny reference model of the HunyuanVideo diffusers fixtures, and helpers to compare against it.</summary>
internal static class HunyuanVideoTiny
{
    public static string ConfigPath => Fixtures.HunyuanVideoDiffusers("hunyuanvideo-tiny.config.json");

    public static string WeightsPath => Fixtures.HunyuanVideoDiffusers("hunyuanvideo-tiny.weights.safetensors");

    public static HunyuanVideoTransformer Load(string? weights = null, ScalarType dtype = ScalarType.Float32)
    {
        var model = HunyuanVideoTransformer.Create(HunyuanVideoConfig.FromJson(ConfigPath), dtype, CPU);
        model.LoadWeights(weights ?? WeightsPath);
        return model;
    }

    /// <summary>Reads the named tensors of a fixture file; the caller disposes them (see <see cref="DisposeAll"/>).</summary>
    public static Dictionary<string, Tensor> ReadCase(string file)
    {
        using var reader = CheckpointReader.Open(Fixtures.HunyuanVideoDiffusers(file));
        return reader.Keys.ToDictionary(key => key, reader.Read);
    }

    /// <summary>The prompt tensors of a case or loop file, under the fixture's names.</summary>
    public static HunyuanVideoPrompt Prompt(Dictionary<string, Tensor> inputs) =>
        new(inputs["encoder_hidden_states"], inputs["encoder_attention_mask"], inputs["pooled_projections"]);

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64);
        var e = expected.to(ScalarType.Float64);
        return a.sub(e).norm().item<double>() / e.norm().item<double>();
    }

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
