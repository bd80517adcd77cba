using System.Globalization;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// Which Wan architecture to build: a preset, the 1.3B width with fewer layers (for CPU runs), or the built-in model's
/// transformer (mini, tiny).
/// </summary>
public sealed record ModelSpec(string Name, WanConfig Config)
{
    /// <summary>The accepted names, for messages.</summary>
    public const string Help = "1.3b, 14b, tiny-layers:N, mini or tiny";

    /// <summary>A spec by name; a wrong name is a <see cref="BenchmarkArgumentException"/> naming --model.</summary>
    public static ModelSpec Parse(string text)
    {
        const string tiny = "tiny-layers:";
        switch (text)
        {
            case "1.3b":
                return new(text, WanConfig.T2V_1_3B);
            case "14b":
                return new(text, WanConfig.T2V_14B);
            case "mini":
                return new(text, MiniModelConfig.Mini.Transformer);
            case "tiny":
                return new(text, MiniModelConfig.Tiny.Transformer);
            default:
                if (text.StartsWith(tiny, StringComparison.Ordinal)
                    && int.TryParse(text[tiny.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var layers) && layers > 0)
                {
                    return new(text, WanConfig.T2V_1_3B with { NumLayers = layers });
                }

                throw new BenchmarkArgumentException($"--model must be {Help} (N ≥ 1), got '{text}'");
        }
    }
}
