using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// The architecture of a umT5 text encoder, as in transformers' <c>UMT5Config</c> (the encoder half only).
/// </summary>
/// <param name="VocabSize">Rows of the token embedding (<c>vocab_size</c>).</param>
/// <param name="DModel">Model width (<c>d_model</c>).</param>
/// <param name="DKv">Channels per attention head (<c>d_kv</c>); heads × d_kv need not equal d_model.</param>
/// <param name="DFf">Inner width of each feed-forward network (<c>d_ff</c>).</param>
/// <param name="NumLayers">Encoder blocks (<c>num_layers</c>).</param>
/// <param name="NumHeads">Attention heads per block (<c>num_heads</c>).</param>
/// <param name="RelativeAttentionNumBuckets">Relative-position buckets, both directions together (<c>relative_attention_num_buckets</c>).</param>
/// <param name="RelativeAttentionMaxDistance">Distance from which all positions share the last bucket (<c>relative_attention_max_distance</c>).</param>
/// <param name="LayerNormEpsilon">Epsilon of every RMS norm (<c>layer_norm_epsilon</c>).</param>
/// <param name="FeedForwardProj">Feed-forward kind; only "gated-gelu" (GELU with the tanh approximation, gated) is supported.</param>
public sealed record Umt5Config(
    int VocabSize,
    int DModel,
    int DKv,
    int DFf,
    int NumLayers,
    int NumHeads,
    int RelativeAttentionNumBuckets,
    int RelativeAttentionMaxDistance,
    double LayerNormEpsilon,
    string FeedForwardProj)
    : IModelConfig<Umt5Config>
{
    /// <summary>The one feed-forward kind umT5 uses: <c>gelu_new(wi_0(x)) * wi_1(x)</c>.</summary>
    public const string GatedGelu = "gated-gelu";

    /// <summary>umT5-XXL as Wan 2.1 uses it (<c>google/umt5-xxl</c>, the <c>text_encoder/</c> of the diffusers pipelines).</summary>
    public static Umt5Config Umt5Xxl { get; } = new(256384, 4096, 64, 10240, 24, 64, 32, 128, 1e-6, GatedGelu);

    /// <summary>Attention width: heads × d_kv.</summary>
    public int InnerDim => NumHeads * DKv;

    /// <summary>Checks that the values describe an encoder this engine can build.</summary>
    /// <exception cref="ArgumentException">A value is out of range or unsupported; the message names the field.</exception>
    public Umt5Config Validate()
    {
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(DModel > 0, "d_model", "must be positive");
        Require(DKv > 0, "d_kv", "must be positive");
        Require(DFf > 0, "d_ff", "must be positive");
        Require(NumLayers > 0, "num_layers", "must be positive");
        Require(NumHeads > 0, "num_heads", "must be positive");
        Require(RelativeAttentionNumBuckets >= 4, "relative_attention_num_buckets", $"must be at least 4, got {RelativeAttentionNumBuckets}");
        Require(RelativeAttentionMaxDistance > RelativeAttentionNumBuckets / 4, "relative_attention_max_distance", $"must exceed the exact buckets per direction ({RelativeAttentionNumBuckets / 4}), got {RelativeAttentionMaxDistance}");
        Require(LayerNormEpsilon > 0, "layer_norm_epsilon", "must be positive");
        Require(FeedForwardProj == GatedGelu, "feed_forward_proj", $"only \"{GatedGelu}\" is supported, got \"{FeedForwardProj}\"");
        return this;
    }

    /// <summary>Reads a transformers <c>config.json</c> (the <c>text_encoder/</c> folder of a diffusers Wan pipeline).</summary>
    /// <remarks>
    /// The sizes (<c>vocab_size</c>, <c>d_model</c>, <c>d_kv</c>, <c>d_ff</c>, <c>num_layers</c>, <c>num_heads</c>) are
    /// required; the bucket count, max distance, epsilon and feed-forward kind take transformers' defaults when absent.
    /// <c>model_type</c>, where present, must be "umt5" (T5 and mT5 share one position bias across layers), and
    /// <c>dense_act_fn</c>, where present, must be a tanh-approximated GELU.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is missing, mistyped or unsupported; the message names both.</exception>
    public static Umt5Config FromJson(string path) => ConfigFields.ReadFile(path, "umT5 config", FromJsonElement);

    /// <summary>Reads a config from a JSON object with transformers' field names. Same rules as <see cref="FromJson"/>.</summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Named in error messages, e.g. "text_encoder/config.json".</param>
    /// <exception cref="InvalidDataException">A field is missing, mistyped or unsupported; the message names the source and the field.</exception>
    public static Umt5Config FromJsonElement(JsonElement element, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object at the top level");
        }

        var reader = new ConfigFields(source, element);
        var modelType = reader.OptionalString("model_type");
        if (modelType is not null && modelType != "umt5")
        {
            throw new InvalidDataException($"{source}: field 'model_type' must be \"umt5\", got \"{modelType}\"");
        }

        var activation = reader.OptionalString("dense_act_fn");
        if (activation is not null && activation is not ("gelu_new" or "gelu_pytorch_tanh"))
        {
            throw new InvalidDataException($"{source}: field 'dense_act_fn' must be \"gelu_new\" (GELU, tanh approximation), got \"{activation}\"");
        }

        var config = new Umt5Config(
            reader.RequiredInt("vocab_size"),
            reader.RequiredInt("d_model"),
            reader.RequiredInt("d_kv"),
            reader.RequiredInt("d_ff"),
            reader.RequiredInt("num_layers"),
            reader.RequiredInt("num_heads"),
            reader.OptionalInt("relative_attention_num_buckets") ?? 32,
            reader.OptionalInt("relative_attention_max_distance") ?? 128,
            reader.OptionalDouble("layer_norm_epsilon") ?? 1e-6,
            reader.OptionalString("feed_forward_proj") ?? GatedGelu);
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
