using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The architecture of the built-in text-to-video model: the host's Wan transformer on the 12-channel space-to-depth
/// latent, plus the learned <see cref="PromptEncoder"/> whose width is the transformer's text dimension.
/// </summary>
/// <param name="Transformer">The Wan config; in/out channels must be <see cref="SpaceToDepthCodec.LatentChannels"/> and the text dim the encoder's width.</param>
/// <param name="TextEncoder">The prompt encoder's size.</param>
public sealed record MiniModelConfig(WanConfig Transformer, PromptEncoderConfig TextEncoder)
{
    /// <summary>Latent frames of a clip (one latent frame per video frame: the codec does not compress time).</summary>
    public const int LatentFrames = ClipGenerator.Frames;

    /// <summary>Latent height and width: 32 pixels / 2.</summary>
    public const int LatentSize = ClipGenerator.Size / SpaceToDepthCodec.Factor;

    /// <summary>
    /// The shipped size: 4 heads × 64 = 256 wide, 8 layers, FFN 768, text dim 64, freq dim 256, patch (1, 2, 2), so a
    /// clip is 16 × 8 × 8 = 1024 tokens. About 8.1 M parameters: under 16 MiB in fp16. (An FFN of 1024 would take the
    /// file to 16.1 MiB.)
    /// </summary>
    public static MiniModelConfig Mini { get; } = new(
        new WanConfig((1, 2, 2), 4, 64, SpaceToDepthCodec.LatentChannels, SpaceToDepthCodec.LatentChannels, 64, 256, 768, 8, true, WanConfig.RmsNormAcrossHeads, 1e-6, 1024),
        new PromptEncoderConfig(Width: 64, Layers: 2, Heads: 4, FeedForward: 256));

    /// <summary>For tests and CPU smoke runs: 2 heads × 16 = 32 wide, 2 layers, FFN 64, text dim 32, freq dim 32.</summary>
    public static MiniModelConfig Tiny { get; } = new(
        new WanConfig((1, 2, 2), 2, 16, SpaceToDepthCodec.LatentChannels, SpaceToDepthCodec.LatentChannels, 32, 32, 64, 2, true, WanConfig.RmsNormAcrossHeads, 1e-6, 1024),
        new PromptEncoderConfig(Width: 32, Layers: 1, Heads: 2, FeedForward: 64));

    /// <summary>A preset by name: "mini" or "tiny".</summary>
    public static MiniModelConfig Preset(string name) => name.ToLowerInvariant() switch
    {
        "mini" => Mini,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"Unknown model size '{name}': expected mini or tiny.", nameof(name)),
    };

    /// <summary>Checks that the parts fit together.</summary>
    /// <exception cref="ArgumentException">They do not; the message says which values disagree.</exception>
    public MiniModelConfig Validate()
    {
        ArgumentNullException.ThrowIfNull(Transformer);
        ArgumentNullException.ThrowIfNull(TextEncoder);
        Transformer.Validate();
        TextEncoder.Validate();
        if (Transformer.InChannels != SpaceToDepthCodec.LatentChannels || Transformer.OutChannels != SpaceToDepthCodec.LatentChannels)
        {
            throw new ArgumentException(
                $"The transformer must take and give {SpaceToDepthCodec.LatentChannels} latent channels, but it has in {Transformer.InChannels}, out {Transformer.OutChannels}.");
        }

        if (Transformer.TextDim != TextEncoder.Width)
        {
            throw new ArgumentException($"The transformer's text_dim {Transformer.TextDim} must equal the text encoder's width {TextEncoder.Width}.");
        }

        if (LatentSize % Transformer.PatchSize.H != 0 || LatentSize % Transformer.PatchSize.W != 0 || LatentFrames % Transformer.PatchSize.T != 0)
        {
            throw new ArgumentException($"The patch {Transformer.PatchSize} must divide the latent {LatentFrames}x{LatentSize}x{LatentSize}.");
        }

        return this;
    }
}
