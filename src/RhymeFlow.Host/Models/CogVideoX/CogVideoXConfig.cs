using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The architecture of a CogVideoX-1.5 text-to-video transformer, as in diffusers' <c>CogVideoXTransformer3DModel</c>
/// config. Only the 1.5 form is supported: a temporal patch (<c>patch_size_t</c>), rotary positions, no learned
/// positional embedding and no <c>ofs</c> embedding.
/// </summary>
/// <param name="NumAttentionHeads">Attention heads per layer.</param>
/// <param name="AttentionHeadDim">Channels per head; the model width is heads × head dim.</param>
/// <param name="InChannels">Latent channels in.</param>
/// <param name="OutChannels">Latent channels out (the v-prediction).</param>
/// <param name="TimeEmbedDim">Width of the timestep embedding that drives every modulation.</param>
/// <param name="TextEmbedDim">Width of the text encoder's hidden states (T5-XXL: 4096).</param>
/// <param name="NumLayers">Transformer blocks.</param>
/// <param name="AttentionBias">Whether the query, key and value projections have a bias.</param>
/// <param name="SampleHeight">Latent height the model was trained at; bounds the rotary grid (height / patch).</param>
/// <param name="SampleWidth">Latent width the model was trained at; bounds the rotary grid (width / patch).</param>
/// <param name="SampleFrames">Video frames the model was trained at (diffusers' <c>sample_frames</c>).</param>
/// <param name="PatchSize">Spatial patch size.</param>
/// <param name="PatchSizeT">Temporal patch size: latent frames per temporal token.</param>
/// <param name="TemporalCompressionRatio">Video frames per latent frame of the VAE.</param>
/// <param name="MaxTextSeqLength">Text tokens the pipeline pads the prompt to.</param>
/// <param name="NormEps">Epsilon of the block and output LayerNorms (the query/key norms use 1e-6).</param>
public sealed record CogVideoXConfig(
    int NumAttentionHeads,
    int AttentionHeadDim,
    int InChannels,
    int OutChannels,
    int TimeEmbedDim,
    int TextEmbedDim,
    int NumLayers,
    bool AttentionBias,
    int SampleHeight,
    int SampleWidth,
    int SampleFrames,
    int PatchSize,
    int PatchSizeT,
    int TemporalCompressionRatio,
    int MaxTextSeqLength,
    double NormEps)
    : IModelConfig<CogVideoXConfig>
{
    /// <summary>The epsilon of the per-head query and key LayerNorms (diffusers' <c>CogVideoXBlock</c> fixes it).</summary>
    public const double QkNormEps = 1e-6;

    /// <summary>
    /// CogVideoX1.5-5B (THUDM/CogVideoX1.5-5B, text-to-video): 48 heads × 64 = 3072 wide, 42 layers, T5-XXL text,
    /// 226 text tokens, trained at 81 frames.
    /// </summary>
    public static CogVideoXConfig CogVideoX1_5_5B { get; } = new(48, 64, 16, 16, 512, 4096, 42, true, 300, 300, 81, 2, 2, 4, 226, 1e-5);

    /// <summary>Model width: heads × head dim.</summary>
    public int InnerDim => NumAttentionHeads * AttentionHeadDim;

    /// <summary>Values per token that <c>patch_embed.proj</c> takes and <c>proj_out</c> gives: channels × patch volume.</summary>
    public int PatchInDim => InChannels * PatchSizeT * PatchSize * PatchSize;

    /// <summary>Values per token that <c>proj_out</c> produces: out channels × patch volume.</summary>
    public int PatchOutDim => OutChannels * PatchSizeT * PatchSize * PatchSize;

    /// <summary>Checks that the values describe a model this engine can build.</summary>
    /// <exception cref="ArgumentException">A value is out of range or unsupported.</exception>
    public CogVideoXConfig Validate()
    {
        Require(NumAttentionHeads > 0, "num_attention_heads", "must be positive");

        // The rotary split [d/4 | 3d/8 | 3d/8] must give whole channel pairs on every axis.
        Require(AttentionHeadDim > 0 && AttentionHeadDim % 16 == 0, "attention_head_dim", $"must be a positive multiple of 16 (rotary axes of d/4, 3d/8, 3d/8 pairs), got {AttentionHeadDim}");
        Require(InChannels > 0, "in_channels", "must be positive");
        Require(OutChannels > 0, "out_channels", "must be positive");
        Require(TimeEmbedDim > 0, "time_embed_dim", "must be positive");
        Require(TextEmbedDim > 0, "text_embed_dim", "must be positive");
        Require(NumLayers > 0, "num_layers", "must be positive");
        Require(SampleHeight > 0 && SampleWidth > 0 && SampleFrames > 0, "sample_height/sample_width/sample_frames", "must be positive");
        Require(PatchSize > 0, "patch_size", "must be positive");
        Require(PatchSizeT > 0, "patch_size_t", "must be positive (CogVideoX 1.5)");
        Require(TemporalCompressionRatio > 0, "temporal_compression_ratio", "must be positive");
        Require(MaxTextSeqLength > 0, "max_text_seq_length", "must be positive");
        Require(NormEps > 0, "norm_eps", "must be positive");
        return this;
    }

    /// <summary>Reads a diffusers <c>config.json</c> (the <c>transformer/</c> folder of a CogVideoX-1.5 pipeline).</summary>
    /// <remarks>
    /// Fields absent from the file take diffusers' defaults. The fields this engine does not implement must keep the
    /// 1.5 text-to-video values: <c>patch_size_t</c> set, <c>use_rotary_positional_embeddings</c> true,
    /// <c>use_learned_positional_embeddings</c> false, <c>ofs_embed_dim</c> null, <c>flip_sin_to_cos</c> true,
    /// <c>freq_shift</c> 0, <c>activation_fn</c> "gelu-approximate", <c>timestep_activation_fn</c> "silu",
    /// <c>norm_elementwise_affine</c> true. <c>patch_bias</c> is read and ignored: diffusers gives the 1.5 linear
    /// patch projection a bias whatever it says.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is missing, mistyped or unsupported; the message names both.</exception>
    public static CogVideoXConfig FromJson(string path) => ConfigFields.ReadFile(path, "CogVideoX config", FromJsonElement);

    /// <summary>Reads a config from a JSON object with diffusers' field names. Same rules as <see cref="FromJson"/>.</summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Named in error messages.</param>
    /// <exception cref="InvalidDataException">A field is missing, mistyped or unsupported; the message names the source and the field.</exception>
    public static CogVideoXConfig FromJsonElement(JsonElement element, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object");
        }

        var reader = new ConfigFields(source, element);
        var patchSizeT = reader.OptionalInt("patch_size_t")
            ?? throw new InvalidDataException($"{source}: field 'patch_size_t' is missing or null: that is CogVideoX 1.0, and only CogVideoX 1.5 is supported");
        Expect(source, reader.Bool("use_rotary_positional_embeddings", false), true, "use_rotary_positional_embeddings");
        Expect(source, reader.Bool("use_learned_positional_embeddings", false), false, "use_learned_positional_embeddings");
        Expect(source, reader.Bool("flip_sin_to_cos", true), true, "flip_sin_to_cos");
        Expect(source, reader.Int("freq_shift", 0), 0, "freq_shift");
        Expect(source, reader.Bool("norm_elementwise_affine", true), true, "norm_elementwise_affine");
        Expect(source, reader.String("activation_fn", "gelu-approximate"), "gelu-approximate", "activation_fn");
        Expect(source, reader.String("timestep_activation_fn", "silu"), "silu", "timestep_activation_fn");
        if (reader.OptionalInt("ofs_embed_dim") is { } ofs)
        {
            throw new InvalidDataException($"{source}: field 'ofs_embed_dim' is {ofs}: the image-to-video model is not supported (expected null)");
        }

        _ = reader.Bool("patch_bias", true);
        var inChannels = reader.Int("in_channels", 16);
        var config = new CogVideoXConfig(
            reader.Int("num_attention_heads", 30),
            reader.Int("attention_head_dim", 64),
            inChannels,
            reader.OptionalInt("out_channels") ?? inChannels,
            reader.Int("time_embed_dim", 512),
            reader.Int("text_embed_dim", 4096),
            reader.Int("num_layers", 30),
            reader.Bool("attention_bias", true),
            reader.Int("sample_height", 60),
            reader.Int("sample_width", 90),
            reader.Int("sample_frames", 49),
            reader.Int("patch_size", 2),
            patchSizeT,
            reader.Int("temporal_compression_ratio", 4),
            reader.Int("max_text_seq_length", 226),
            reader.Double("norm_eps", 1e-5));
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    private static void Expect<T>(string source, T actual, T expected, string field)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            throw new InvalidDataException($"{source}: field '{field}' is {actual}; only {expected} (CogVideoX 1.5 text-to-video) is supported");
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
