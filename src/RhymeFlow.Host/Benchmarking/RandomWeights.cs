using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>Fills a module with random weights, so that kernels see realistic (non-zero, non-denormal) values.</summary>
public static class RandomWeights
{
    /// <summary>Standard deviation of the weight noise.</summary>
    public const double Std = 0.02;

    /// <summary>
    /// Every floating-point parameter gets normal noise of std <paramref name="std"/> in its own dtype; norm scales
    /// (".weight" of a norm, or a "gamma") get 1 + noise, so activations keep their size through the layers.
    /// </summary>
    public static void Fill(nn.Module module, long seed, double std = Std)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = no_grad();
        Generator? generator = null;
        try
        {
            foreach (var (name, parameter) in module.named_parameters())
            {
                if (!parameter.is_floating_point())
                {
                    continue;
                }

                generator ??= new Generator((ulong)seed, parameter.device);
                parameter.normal_(IsNormScale(name) ? 1.0 : 0.0, std, generator);
            }
        }
        finally
        {
            generator?.Dispose();
        }
    }

    private static bool IsNormScale(string name) =>
        (name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
        || name.EndsWith("gamma", StringComparison.Ordinal);
}
