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
    /// The shipped size, chosen by the CPU sizing sweep (MODEL_CARD.md): the transformer sees 8×8-pixel tokens
    /// (patch (1, 4, 4) on the 2×2 space-to-depth latent, the same information as a 4×4 space-to-depth with Wan's
    /// (1, 2, 2) patch), so a clip is 16 × 4 × 4 = 256 tokens. A token carries 192 values, so the width stays above
    /// that: a narrower stream cannot carry a token's pixels through the blocks, and the probe that tried left
    /// per-pixel noise over every frame.
    /// </summary>
    public static MiniModelConfig Mini => Preset("tok8-w256-l4");

    /// <summary>For tests and CPU smoke runs: 2 heads × 16 = 32 wide, 2 layers, FFN 64, text dim 32, freq dim 32.</summary>
    public static MiniModelConfig Tiny { get; } = new(
        new WanConfig((1, 2, 2), 2, 16, SpaceToDepthCodec.LatentChannels, SpaceToDepthCodec.LatentChannels, 32, 32, 64, 2, true, WanConfig.RmsNormAcrossHeads, 1e-6, 1024),
        new PromptEncoderConfig(Width: 32, Layers: 1, Heads: 2, FeedForward: 64));

    /// <summary>
    /// The candidates of the sizing sweep, by name: <c>tokP-wW-lL</c> has P×P-pixel tokens, width W and L layers.
    /// Every one keeps the same text encoder, text dim 64 and freq dim 128, and an FFN of twice the width.
    /// </summary>
    public static IReadOnlyDictionary<string, MiniModelConfig> SweepCandidates { get; } = new Dictionary<string, MiniModelConfig>(StringComparer.Ordinal)
    {
        // The issue's probe: 8×8-pixel tokens (192 values) through a 128-wide stream.
        ["tok8-w128-l4"] = Candidate(tokenPixels: 8, heads: 4, headDim: 32, layers: 4),
        ["tok8-w256-l4"] = Candidate(tokenPixels: 8, heads: 4, headDim: 64, layers: 4),
        ["tok8-w192-l6"] = Candidate(tokenPixels: 8, heads: 3, headDim: 64, layers: 6),

        // 4×4-pixel tokens (48 values): 1024 tokens a clip, so a narrower, cheaper stream for a similar step time.
        ["tok4-w96-l4"] = Candidate(tokenPixels: 4, heads: 2, headDim: 48, layers: 4),
    };

    /// <summary>The names <see cref="Preset"/> accepts.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["mini", "tiny", .. SweepCandidates.Keys];

    /// <summary>Clip tokens: latent frames × the patch grid.</summary>
    public int TokensPerClip =>
        LatentFrames / Transformer.PatchSize.T * (LatentSize / Transformer.PatchSize.H) * (LatentSize / Transformer.PatchSize.W);

    /// <summary>A preset by name: "mini", "tiny" or a sweep candidate (<see cref="SweepCandidates"/>).</summary>
    public static MiniModelConfig Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.ToLowerInvariant();
        return key switch
        {
            "mini" => Mini,
            "tiny" => Tiny,
            _ when SweepCandidates.TryGetValue(key, out var candidate) => candidate,
            _ => throw new ArgumentException($"Unknown model size '{name}': expected one of {string.Join(", ", PresetNames)}.", nameof(name)),
        };
    }

    private static MiniModelConfig Candidate(int tokenPixels, int heads, int headDim, int layers)
    {
        var patch = tokenPixels / SpaceToDepthCodec.Factor;
        var width = heads * headDim;
        return new(
            new WanConfig((1, patch, patch), heads, headDim, SpaceToDepthCodec.LatentChannels, SpaceToDepthCodec.LatentChannels, 64, 128, 2 * width, layers, true, WanConfig.RmsNormAcrossHeads, 1e-6, 1024),
            new PromptEncoderConfig(Width: 64, Layers: 2, Heads: 4, FeedForward: 256));
    }

    /// <summary>
    /// A lower bound on the values the model's weights hold: its weight matrices and embeddings (the attention and
    /// feed-forward layers, the patch, time, text and output projections, the token and position tables), without
    /// biases, norms and modulation tables. A double, since a hostile config's sizes overflow a long.
    /// </summary>
    /// <remarks>
    /// <see cref="MiniModel.Load"/> compares it with the weights file before it builds the model, so that a config
    /// claiming a huge model is refused instead of allocated; the exact shapes are checked when the weights load.
    /// </remarks>
    internal double MinimumParameterCount()
    {
        var t = Transformer;
        double dim = (double)t.NumAttentionHeads * t.AttentionHeadDim;
        double patch = (double)t.PatchSize.T * t.PatchSize.H * t.PatchSize.W;
        var blocks = (double)t.NumLayers * ((8 * dim * dim) + (2 * dim * t.FfnDim));
        var embeddings = (dim * (t.InChannels + t.OutChannels) * patch) + (dim * (t.TextDim + t.FreqDim)) + (8 * dim * dim);
        double width = TextEncoder.Width;
        var encoder = ((double)TextEncoder.Layers * ((4 * width * width) + (2 * width * TextEncoder.FeedForward)))
            + (width * (TextEncoder.VocabularySize + TextEncoder.MaxTokens));
        return blocks + embeddings + encoder;
    }

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
