using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// The architecture of a Wan 2.1 text-to-video transformer, as in diffusers' <c>WanTransformer3DModel</c> config.
/// </summary>
/// <param name="PatchSize">Patch size over (frames, height, width) of the latent; (1, 2, 2) for every Wan 2.1 model.</param>
/// <param name="NumAttentionHeads">Attention heads per layer.</param>
/// <param name="AttentionHeadDim">Channels per head; the model width is heads × head dim.</param>
/// <param name="InChannels">Latent channels in.</param>
/// <param name="OutChannels">Latent channels out (the velocity).</param>
/// <param name="TextDim">Width of the text encoder's hidden states (UMT5-XXL: 4096).</param>
/// <param name="FreqDim">Width of the sinusoidal timestep embedding.</param>
/// <param name="FfnDim">Inner width of each feed-forward network.</param>
/// <param name="NumLayers">Transformer blocks.</param>
/// <param name="CrossAttnNorm">Whether the cross-attention query side has an affine LayerNorm (norm2).</param>
/// <param name="QkNorm">Query/key normalisation; only "rms_norm_across_heads" is supported.</param>
/// <param name="Eps">Epsilon of every norm.</param>
/// <param name="RopeMaxSeqLen">Positions per axis covered by the rotary tables.</param>
public sealed record WanConfig(
    (int T, int H, int W) PatchSize,
    int NumAttentionHeads,
    int AttentionHeadDim,
    int InChannels,
    int OutChannels,
    int TextDim,
    int FreqDim,
    int FfnDim,
    int NumLayers,
    bool CrossAttnNorm,
    string QkNorm,
    double Eps,
    int RopeMaxSeqLen)
    : IModelConfig<WanConfig>
{
    /// <summary>The one query/key normalisation Wan 2.1 uses.</summary>
    public const string RmsNormAcrossHeads = "rms_norm_across_heads";

    /// <summary>Wan2.1-T2V-1.3B: 12 heads × 128 = 1536 wide, 30 layers.</summary>
    public static WanConfig T2V_1_3B { get; } = new((1, 2, 2), 12, 128, 16, 16, 4096, 256, 8960, 30, true, RmsNormAcrossHeads, 1e-6, 1024);

    /// <summary>Wan2.1-T2V-14B: 40 heads × 128 = 5120 wide, 40 layers.</summary>
    public static WanConfig T2V_14B { get; } = new((1, 2, 2), 40, 128, 16, 16, 4096, 256, 13824, 40, true, RmsNormAcrossHeads, 1e-6, 1024);

    /// <summary>Model width: heads × head dim.</summary>
    public int InnerDim => NumAttentionHeads * AttentionHeadDim;

    /// <summary>Values per token that <c>proj_out</c> produces: out channels × patch volume.</summary>
    public int PatchOutDim => OutChannels * PatchSize.T * PatchSize.H * PatchSize.W;

    /// <summary>Checks that the values describe a model this engine can build.</summary>
    /// <exception cref="ArgumentException">A value is out of range or unsupported.</exception>
    public WanConfig Validate()
    {
        Require(PatchSize.T > 0 && PatchSize.H > 0 && PatchSize.W > 0, "patch_size", $"must be positive, got ({PatchSize.T}, {PatchSize.H}, {PatchSize.W})");
        Require(NumAttentionHeads > 0, "num_attention_heads", "must be positive");
        Require(AttentionHeadDim > 0 && AttentionHeadDim % 2 == 0, "attention_head_dim", "must be positive and even (rotary pairs)");
        Require(InChannels > 0, "in_channels", "must be positive");
        Require(OutChannels > 0, "out_channels", "must be positive");
        Require(TextDim > 0, "text_dim", "must be positive");
        Require(FreqDim > 0 && FreqDim % 2 == 0, "freq_dim", "must be positive and even");
        Require(FfnDim > 0, "ffn_dim", "must be positive");
        Require(NumLayers > 0, "num_layers", "must be positive");
        Require(QkNorm == RmsNormAcrossHeads, "qk_norm", $"only \"{RmsNormAcrossHeads}\" is supported, got \"{QkNorm}\"");
        Require(Eps > 0, "eps", "must be positive");
        Require(RopeMaxSeqLen > 0, "rope_max_seq_len", "must be positive");
        return this;
    }

    /// <summary>Reads a diffusers <c>config.json</c> (the <c>transformer/</c> folder of a Wan 2.1 pipeline).</summary>
    /// <remarks>
    /// Fields absent from the file take diffusers' defaults. Image-conditioning fields (<c>image_dim</c>,
    /// <c>added_kv_proj_dim</c>) must be absent or null: this engine runs the text-to-video model only.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is missing, mistyped or unsupported; the message names both.</exception>
    public static WanConfig FromJson(string path) => ConfigFields.ReadFile(path, "Wan config", FromJsonElement);

    /// <summary>
    /// Reads a config from a JSON object with diffusers' field names, such as the <c>transformer</c> section of a
    /// built-in model's <c>config.json</c>. Same rules as <see cref="FromJson"/>.
    /// </summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Named in error messages, e.g. "model/config.json (transformer)".</param>
    /// <exception cref="InvalidDataException">A field is missing, mistyped or unsupported; the message names the source and the field.</exception>
    public static WanConfig FromJsonElement(JsonElement element, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object");
        }

        var path = source;
        var reader = new ConfigFields(path, element);
        var patch = reader.IntArray("patch_size") ?? [1, 2, 2];
        if (patch.Length != 3)
        {
            throw new InvalidDataException($"{path}: field 'patch_size' must have 3 entries, got {patch.Length}");
        }

        RequireAbsent(reader, path, "image_dim");
        RequireAbsent(reader, path, "added_kv_proj_dim");
        var inChannels = reader.Int("in_channels", 16);
        var config = new WanConfig(
            (patch[0], patch[1], patch[2]),
            reader.Int("num_attention_heads", 40),
            reader.Int("attention_head_dim", 128),
            inChannels,
            reader.OptionalInt("out_channels") ?? inChannels,
            reader.Int("text_dim", 4096),
            reader.Int("freq_dim", 256),
            reader.Int("ffn_dim", 13824),
            reader.Int("num_layers", 40),
            reader.Bool("cross_attn_norm", true),
            reader.String("qk_norm", RmsNormAcrossHeads),
            reader.Double("eps", 1e-6),
            reader.Int("rope_max_seq_len", 1024));
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Writes this config as a JSON object with diffusers' field names (what <see cref="FromJsonElement"/> reads).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("_class_name", "WanTransformer3DModel");
        writer.WriteStartArray("patch_size");
        writer.WriteNumberValue(PatchSize.T);
        writer.WriteNumberValue(PatchSize.H);
        writer.WriteNumberValue(PatchSize.W);
        writer.WriteEndArray();
        writer.WriteNumber("num_attention_heads", NumAttentionHeads);
        writer.WriteNumber("attention_head_dim", AttentionHeadDim);
        writer.WriteNumber("in_channels", InChannels);
        writer.WriteNumber("out_channels", OutChannels);
        writer.WriteNumber("text_dim", TextDim);
        writer.WriteNumber("freq_dim", FreqDim);
        writer.WriteNumber("ffn_dim", FfnDim);
        writer.WriteNumber("num_layers", NumLayers);
        writer.WriteBoolean("cross_attn_norm", CrossAttnNorm);
        writer.WriteString("qk_norm", QkNorm);
        writer.WriteNumber("eps", Eps);
        writer.WriteNumber("rope_max_seq_len", RopeMaxSeqLen);
        writer.WriteNull("image_dim");
        writer.WriteNull("added_kv_proj_dim");
        writer.WriteEndObject();
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"field '{field}' {message}");
        }
    }

    private static void RequireAbsent(ConfigFields reader, string path, string name)
    {
        if (reader.Get(name) is { } value)
        {
            throw new InvalidDataException($"{path}: field '{name}' is {value.GetRawText()}, but only text-to-video models (no image conditioning) are supported");
        }
    }
}
