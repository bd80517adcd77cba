using RhymeFlow.Host.Models.Wan;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Runtime.Benchmarking;

/// <summary>Builds a Wan transformer with random weights, so that kernels see realistic (non-zero, non-denormal) values.</summary>
public static class RandomWan
{
    /// <summary>Standard deviation of the weight noise.</summary>
    public const double Std = 0.02;

    /// <summary>
    /// Creates the model and fills every parameter with normal noise of std <see cref="Std"/> in its own dtype;
    /// norm scales get 1 + noise, so activations keep their size through the layers.
    /// </summary>
    public static WanTransformer Create(WanConfig config, ScalarType dtype, Device device, long seed)
    {
        var model = WanTransformer.Create(config, dtype, device);
        try
        {
            using var noGrad = no_grad();
            using var generator = new TorchSharp.torch.Generator((ulong)seed, device);
            foreach (var (name, parameter) in model.named_parameters())
            {
                parameter.normal_(IsNormScale(name) ? 1.0 : 0.0, Std, generator);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static bool IsNormScale(string name) => name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);
}
