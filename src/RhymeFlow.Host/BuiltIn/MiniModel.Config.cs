using System.Text;
using System.Text.Json;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Wan;
using TorchSharp;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>The package's config.json: reading it with errors that name the file and field, and writing it.</summary>
public sealed partial class MiniModel
{
    /// <summary>The architecture and metadata recorded in a package's config.json.</summary>
    public static (MiniModelConfig Config, IReadOnlyDictionary<string, string> Metadata) ReadConfig(string configPath)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"The built-in model config '{configPath}' does not exist.", configPath);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(configPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (JsonKeys.Problem(root) is { } problem)
            {
                throw new InvalidDataException($"{configPath}: {problem}.");
            }

            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format)
                || format.ValueKind != JsonValueKind.String
                || !ConfigFields.TryString(format, out var formatName)
                || formatName != Format)
            {
                throw new InvalidDataException($"{configPath}: not a {Format} package (expected \"format\": \"{Format}\").");
            }

            // TryGetInt32 throws InvalidOperationException on anything but a number, so the kind is checked first.
            if (!root.TryGetProperty("format_version", out var version)
                || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var number)
                || number != FormatVersion)
            {
                throw new InvalidDataException($"{configPath}: unsupported format_version (this build reads {FormatVersion}).");
            }

            var transformer = WanConfig.FromJsonElement(Section(root, "transformer", configPath), $"{configPath} (transformer)");
            var encoder = Section(root, "text_encoder", configPath);
            var encoderConfig = new PromptEncoderConfig(
                EncoderInt(encoder, "width", configPath),
                EncoderInt(encoder, "layers", configPath),
                EncoderInt(encoder, "heads", configPath),
                EncoderInt(encoder, "feed_forward", configPath));
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var notes) && notes.ValueKind == JsonValueKind.Object)
            {
                foreach (var note in notes.EnumerateObject())
                {
                    if (note.Value.ValueKind != JsonValueKind.String)
                    {
                        metadata[note.Name] = note.Value.GetRawText();
                    }
                    else if (ConfigFields.TryString(note.Value, out var text))
                    {
                        metadata[note.Name] = text;
                    }
                    else
                    {
                        throw new InvalidDataException($"{configPath}: metadata '{note.Name}' is not text (an escaped lone surrogate).");
                    }
                }
            }

            try
            {
                return (new MiniModelConfig(transformer, encoderConfig).Validate(), metadata);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{configPath}: {e.Message}", e);
            }
        }
    }

    private static JsonElement Section(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object
            ? section
            : throw new InvalidDataException($"{path}: missing the '{name}' object.");

    private static int EncoderInt(JsonElement encoder, string name, string path) =>
        encoder.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new InvalidDataException($"{path}: field 'text_encoder.{name}' must be an integer.");

    private static byte[] ConfigJson(MiniModelConfig config, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("format_version", FormatVersion);
            json.WritePropertyName("transformer");
            config.Transformer.WriteJson(json);
            json.WriteStartObject("text_encoder");
            json.WriteNumber("width", config.TextEncoder.Width);
            json.WriteNumber("layers", config.TextEncoder.Layers);
            json.WriteNumber("heads", config.TextEncoder.Heads);
            json.WriteNumber("feed_forward", config.TextEncoder.FeedForward);
            json.WriteNumber("max_tokens", config.TextEncoder.MaxTokens);
            json.WriteNumber("vocabulary_size", config.TextEncoder.VocabularySize);
            json.WriteEndObject();
            json.WriteStartObject("latent");
            json.WriteString("codec", "space-to-depth-2x2");
            json.WriteNumber("channels", SpaceToDepthCodec.LatentChannels);
            json.WriteNumber("frames", MiniModelConfig.LatentFrames);
            json.WriteNumber("height", MiniModelConfig.LatentSize);
            json.WriteNumber("width", MiniModelConfig.LatentSize);
            json.WriteString("pixel_range", "[-1, 1]");
            json.WriteEndObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("metadata");
                foreach (var (name, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
