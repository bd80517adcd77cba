using RhymeFlow.Host.Models.Wan;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>Builds a Wan transformer with random weights, so that kernels see realistic (non-zero, non-denormal) values.</summary>
public static class RandomWan
{
    /// <summary>Standard deviation of the weight noise.</summary>
    public const double Std = RandomWeights.Std;

    /// <summary>Creates the model and fills it with <see cref="RandomWeights"/>.</summary>
    public static WanTransformer Create(WanConfig config, ScalarType dtype, Device device, long seed)
    {
        var model = WanTransformer.Create(config, dtype, device);
        try
        {
            RandomWeights.Fill(model, seed);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
