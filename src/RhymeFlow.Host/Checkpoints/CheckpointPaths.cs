namespace RhymeFlow.Host.Checkpoints;

/// <summary>Turns a file or directory argument into the one safetensors file or index to open.</summary>
internal static class CheckpointPaths
{
    internal const string IndexSuffix = ".safetensors.index.json";
    private static readonly string[] PreferredNames = ["diffusion_pytorch_model", "model"];

    public static string Resolve(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath))
        {
            return fullPath;
        }

        if (!Directory.Exists(fullPath))
        {
            throw new CheckpointException($"{fullPath}: no such checkpoint file or directory.");
        }

        foreach (var name in PreferredNames)
        {
            var found = new[] { name + IndexSuffix, name + ".safetensors" }
                .Select(file => Path.Combine(fullPath, file))
                .Where(File.Exists)
                .ToList();
            if (found.Count == 1)
            {
                return found[0];
            }

            if (found.Count > 1)
            {
                throw new CheckpointException($"{fullPath}: both {Path.GetFileName(found[0])} and {Path.GetFileName(found[1])} exist; open one of them explicitly.");
            }
        }

        var indexes = Directory.GetFiles(fullPath, "*" + IndexSuffix);
        if (indexes.Length == 1)
        {
            return indexes[0];
        }

        var singles = Directory.GetFiles(fullPath, "*.safetensors");
        if (indexes.Length == 0 && singles.Length == 1)
        {
            return singles[0];
        }

        var candidates = indexes.Concat(singles).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        throw new CheckpointException(candidates.Count == 0
            ? $"{fullPath}: the directory holds no .safetensors file or {IndexSuffix} index."
            : $"{fullPath}: cannot tell which checkpoint to open among {string.Join(", ", candidates)}; name the file or index explicitly.");
    }

    public static bool IsIndex(string path) => path.EndsWith(IndexSuffix, StringComparison.OrdinalIgnoreCase);
}
