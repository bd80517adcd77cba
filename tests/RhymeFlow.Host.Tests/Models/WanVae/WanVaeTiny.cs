using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.WanVae;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.WanVae;

/// <summary>The tiny reference VAE of the diffusers fixtures, and helpers to compare against it.</summary>
internal static class WanVaeTiny
{
    public const double Tolerance = 1e-4;

    public static string ConfigPath => Fixtures.WanPipeline("wan-vae-tiny.config.json");

    public static string WeightsPath => Fixtures.WanPipeline("wan-vae-tiny.weights.safetensors");

    public static string CasePath => Fixtures.WanPipeline("wan-vae-tiny.case.safetensors");

    public static Host.Models.WanVae.WanVae Load(ScalarType dtype = ScalarType.Float32)
    {
        var model = Host.Models.WanVae.WanVae.Create(WanVaeConfig.FromJson(ConfigPath), dtype, CPU);
        model.LoadWeights(WeightsPath);
        return model;
    }

    /// <summary>Reads one tensor of the case file; the caller disposes it.</summary>
    public static Tensor ReadCase(string key)
    {
        using var reader = CheckpointReader.Open(CasePath);
        return reader.Read(key);
    }

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected) => FixtureTensors.RelativeError(actual, expected);
}
