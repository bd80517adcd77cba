using System.Text.Json;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>A parsed <c>*.safetensors.index.json</c>: which shard file holds each key.</summary>
internal sealed record ShardIndex(string Path, IReadOnlyDictionary<string, string> WeightMap, IReadOnlyDictionary<string, string> Metadata)
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 16 };

    /// <summary>Reads the index; shard names are resolved to full paths beside it.</summary>
    public static ShardIndex Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot read the shard index: {e.Message}", e);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, ParseOptions);
            return FromJson(path, document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new CheckpointException($"{path}: the shard index is not valid JSON: {e.Message}", e);
        }
    }

    private static ShardIndex FromJson(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("weight_map", out var map)
            || map.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{path}: the shard index must be an object with a 'weight_map' object of key -> shard file.");
        }

        var directory = System.IO.Path.GetDirectoryName(path)!;
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in map.EnumerateObject())
        {
            var shard = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : string.Empty;
            if (shard.Length == 0 || System.IO.Path.IsPathRooted(shard) || shard.Split('/', '\\').Contains(".."))
            {
                throw new CheckpointException($"{path}: 'weight_map' entry '{item.Name}' must name a shard file beside the index, found {item.Value.GetRawText()}.");
            }

            if (!weightMap.TryAdd(item.Name, System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, shard))))
            {
                throw new CheckpointException($"{path}: 'weight_map' declares '{item.Name}' twice.");
            }
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            // Index metadata holds numbers too (total_size); keep them as their JSON text.
            foreach (var item in meta.EnumerateObject())
            {
                metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
            }
        }

        return new ShardIndex(path, weightMap, metadata);
    }
}
