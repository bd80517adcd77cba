using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models;

/// <summary>Tells a transformer's family from its config.json: diffusers' <c>_class_name</c>, or else the keys it carries.</summary>
public static class VideoFamilies
{
    private static readonly Dictionary<string, VideoFamily> ClassNames = new(StringComparer.Ordinal)
    {
        ["WanTransformer3DModel"] = VideoFamily.Wan,
        ["CogVideoXTransformer3DModel"] = VideoFamily.CogVideoX,
        ["HunyuanVideoTransformer3DModel"] = VideoFamily.HunyuanVideo,
    };

    /// <summary>The family of the config at <paramref name="configPath"/>, and how it was told.</summary>
    /// <exception cref="CheckpointException">The file is not a JSON object, or names a class of no known family.</exception>
    public static (VideoFamily Family, string Evidence) Detect(string configPath)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(configPath));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CheckpointException($"{configPath}: cannot read the transformer config ({error.Message}).", error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{configPath}: the transformer config is not a JSON object.");
            }

            if (root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                var className = name.GetString()!;
                return ClassNames.TryGetValue(className, out var family)
                    ? (family, $"_class_name {className}")
                    : throw new CheckpointException(
                        $"{configPath}: _class_name {className} is no video transformer the engine knows (expected one of {string.Join(", ", ClassNames.Keys)}).");
            }

            string[] hunyuan = ["num_single_layers", "pooled_projection_dim", "guidance_embeds", "num_refiner_layers"];
            string[] cogVideoX = ["time_embed_dim", "use_rotary_positional_embeddings", "max_text_seq_length", "sample_frames"];
            var hunyuanKey = hunyuan.FirstOrDefault(k => root.TryGetProperty(k, out _));
            if (hunyuanKey is not null)
            {
                return (VideoFamily.HunyuanVideo, $"its key {hunyuanKey}");
            }

            var cogVideoXKey = cogVideoX.FirstOrDefault(k => root.TryGetProperty(k, out _));
            return cogVideoXKey is not null
                ? (VideoFamily.CogVideoX, $"its key {cogVideoXKey}")
                : (VideoFamily.Wan, "no other family's keys");
        }
    }
}
