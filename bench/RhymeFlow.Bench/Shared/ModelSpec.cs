using System.Globalization;
using RhymeFlow.Bench.Cli;
using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Bench.Shared;

/// <summary>Which Wan architecture to build: a preset, or the 1.3B width with fewer layers (for CPU runs).</summary>
internal sealed record ModelSpec(string Name, WanConfig Config)
{
    public const string Help = "1.3b, 14b or tiny-layers:N";

    public static ModelSpec Parse(string text)
    {
        const string tiny = "tiny-layers:";
        switch (text)
        {
            case "1.3b":
                return new(text, WanConfig.T2V_1_3B);
            case "14b":
                return new(text, WanConfig.T2V_14B);
            default:
                if (text.StartsWith(tiny, StringComparison.Ordinal)
                    && int.TryParse(text[tiny.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var layers) && layers > 0)
                {
                    return new(text, WanConfig.T2V_1_3B with { NumLayers = layers });
                }

                throw new UsageException($"--model must be {Help} (N ≥ 1), got '{text}'");
        }
    }
}
