using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The architecture of a HunyuanVideo text-to-video transformer, as in diffusers' <c>HunyuanVideoTransformer3DModel</c> config.
/// </summary>
/// <param name="InChannels">Latent channels in.</param>
/// <param name="OutChannels">Latent channels out (the velocity).</param>
/// <param name="NumAttentionHeads">Attention heads per layer (the token refiner's too).</param>
/// <param name="AttentionHeadDim">Channels per head; the model width is heads × head dim.</param>
/// <param name="NumLayers">Dual-stream blocks (video and text with separate weights, joint attention).</param>
/// <param name="NumSingleLayers">Single-stream blocks (one weight set over the joint sequence).</param>
/// <param name="NumRefinerLayers">Blocks of the token refiner over the text.</param>
/// <param name="MlpRatio">Feed-forward width over model width.</param>
/// <param name="PatchSize">Spatial patch size.</param>
/// <param name="PatchSizeT">Temporal patch size.</param>
/// <param name="QkNorm">Query/key normalisation; only "rms_norm" (per head) is supported.</param>
/// <param name="GuidanceEmbeds">Whether the guidance scale is embedded (guidance-distilled: one pass, no uncond branch).</param>
/// <param name="TextEmbedDim">Width of the text encoder's hidden states.</param>
/// <param name="PooledProjectionDim">Width of the pooled text embedding.</param>
/// <param name="RopeTheta">Rotary base.</param>
/// <param name="RopeAxesDim">Head channels given to the (frame, height, width) rotary axes; they sum to the head dim.</param>
public sealed record HunyuanVideoConfig(
    int InChannels,
    int OutChannels,
    int NumAttentionHeads,
    int AttentionHeadDim,
    int NumLayers,
    int NumSingleLayers,
    int NumRefinerLayers,
    double MlpRatio,
    int PatchSize,
    int PatchSizeT,
    string QkNorm,
    bool GuidanceEmbeds,
    int TextEmbedDim,
    int PooledProjectionDim,
    double RopeTheta,
    (int T, int H, int W) RopeAxesDim)
    : IModelConfig<HunyuanVideoConfig>
{
    /// <summary>The one query/key normalisation HunyuanVideo uses.</summary>
    public const string RmsNorm = "rms_norm";

    /// <summary>The epsilon of every norm in the model (diffusers hard-codes it).</summary>
    public const double Eps = 1e-6;

    /// <summary>Width of the sinusoidal timestep and guidance embeddings (diffusers hard-codes it).</summary>
    public const int FrequencyDim = 256;

    /// <summary>HunyuanVideo (13B, diffusers' defaults): 24 heads × 128 = 3072 wide, 20 dual and 40 single blocks.</summary>
    public static HunyuanVideoConfig T2V { get; } = new(16, 16, 24, 128, 20, 40, 2, 4.0, 2, 1, RmsNorm, true, 4096, 768, 256.0, (16, 56, 56));

    /// <summary>Model width: heads × head dim.</summary>
    public int InnerDim => NumAttentionHeads * AttentionHeadDim;

    /// <summary>Inner width of the feed-forward networks (<c>int(dim × mlp_ratio)</c>, as diffusers truncates).</summary>
    public int MlpDim => (int)(InnerDim * MlpRatio);

    /// <summary>Values per token that <c>proj_out</c> produces: out channels × patch volume.</summary>
    public int PatchOutDim => OutChannels * PatchSizeT * PatchSize * PatchSize;

    /// <summary>Checks that the values describe a model this engine can build.</summary>
    /// <exception cref="ArgumentException">A value is out of range or unsupported.</exception>
    public HunyuanVideoConfig Validate()
    {
        Require(InChannels > 0, "in_channels", "must be positive");
        Require(OutChannels > 0, "out_channels", "must be positive");
        Require(NumAttentionHeads > 0, "num_attention_heads", "must be positive");
        Require(AttentionHeadDim > 0, "attention_head_dim", "must be positive");
        Require(NumLayers >= 0 && NumSingleLayers >= 0 && NumLayers + NumSingleLayers > 0, "num_layers", "and num_single_layers must be non-negative with at least one block");
        Require(NumRefinerLayers > 0, "num_refiner_layers", "must be positive");
        Require(MlpRatio > 0 && MlpDim > 0, "mlp_ratio", "must be positive");
        Require(PatchSize > 0, "patch_size", "must be positive");
        Require(PatchSizeT > 0, "patch_size_t", "must be positive");
        Require(QkNorm == RmsNorm, "qk_norm", $"only \"{RmsNorm}\" is supported, got \"{QkNorm}\"");
        Require(TextEmbedDim > 0, "text_embed_dim", "must be positive");
        Require(PooledProjectionDim > 0, "pooled_projection_dim", "must be positive");
        Require(RopeTheta > 0, "rope_theta", "must be positive");
        var (t, h, w) = RopeAxesDim;
        Require(t > 0 && h > 0 && w > 0 && t % 2 == 0 && h % 2 == 0 && w % 2 == 0, "rope_axes_dim", $"must be three positive even numbers (rotary pairs), got [{t}, {h}, {w}]");
        Require(t + h + w == AttentionHeadDim, "rope_axes_dim", $"must sum to attention_head_dim {AttentionHeadDim}, got [{t}, {h}, {w}]");
        return this;
    }

    /// <summary>Reads a diffusers <c>config.json</c> (the <c>transformer/</c> folder of a HunyuanVideo pipeline).</summary>
    /// <remarks>
    /// Fields absent from the file take diffusers' defaults. <c>image_condition_type</c> must be absent or null: this
    /// engine runs the text-to-video model only.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is mistyped or unsupported; the message names both.</exception>
    public static HunyuanVideoConfig FromJson(string path) => ConfigFields.ReadFile(path, "HunyuanVideo config", FromJsonElement);

    /// <summary>Reads a config from a JSON object with diffusers' field names. Same rules as <see cref="FromJson"/>.</summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Named in error messages.</param>
    /// <exception cref="InvalidDataException">A field is mistyped or unsupported; the message names the source and the field.</exception>
    public static HunyuanVideoConfig FromJsonElement(JsonElement element, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object");
        }

        var reader = new ConfigFields(source, element);
        if (reader.Get("image_condition_type") is { } condition)
        {
            throw new InvalidDataException($"{source}: field 'image_condition_type' is {condition.GetRawText()}, but only text-to-video models (null) are supported");
        }

        var axes = reader.IntArray("rope_axes_dim") ?? [16, 56, 56];
        if (axes.Length != 3)
        {
            throw new InvalidDataException($"{source}: field 'rope_axes_dim' must have 3 entries, got {axes.Length}");
        }

        var defaults = T2V;
        var inChannels = reader.Int("in_channels", defaults.InChannels);
        var config = new HunyuanVideoConfig(
            inChannels,
            reader.OptionalInt("out_channels") ?? inChannels,
            reader.Int("num_attention_heads", defaults.NumAttentionHeads),
            reader.Int("attention_head_dim", defaults.AttentionHeadDim),
            reader.Int("num_layers", defaults.NumLayers),
            reader.Int("num_single_layers", defaults.NumSingleLayers),
            reader.Int("num_refiner_layers", defaults.NumRefinerLayers),
            reader.Double("mlp_ratio", defaults.MlpRatio),
            reader.Int("patch_size", defaults.PatchSize),
            reader.Int("patch_size_t", defaults.PatchSizeT),
            reader.String("qk_norm", defaults.QkNorm),
            reader.Bool("guidance_embeds", defaults.GuidanceEmbeds),
            reader.Int("text_embed_dim", defaults.TextEmbedDim),
            reader.Int("pooled_projection_dim", defaults.PooledProjectionDim),
            reader.Double("rope_theta", defaults.RopeTheta),
            (axes[0], axes[1], axes[2]));
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"field '{field}' {message}");
        }
    }
}
