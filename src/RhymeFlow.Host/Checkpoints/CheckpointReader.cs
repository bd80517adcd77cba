using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// A checkpoint of one or more safetensors files: a single <c>.safetensors</c>, a sharded set through a
/// <c>*.safetensors.index.json</c>, or a directory holding one of those. Disposing it unmaps every file.
/// </summary>
public sealed class CheckpointReader : IDisposable
{
    private readonly IReadOnlyList<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byKey;
    private readonly List<string> _keys;

    private CheckpointReader(string path, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byKey, List<string> keys, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _files = files;
        _byKey = byKey;
        _keys = keys;
        Metadata = metadata;
    }

    /// <summary>The file or index that was opened.</summary>
    public string Path { get; }

    /// <summary>The safetensors files behind this checkpoint.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToList();

    /// <summary>Every tensor key, in file then header order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>Every tensor declaration, in the order of <see cref="Keys"/>.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _keys.Select(GetInfo).ToList();

    /// <summary>The file's <c>__metadata__</c>, or the index's <c>metadata</c> for a sharded checkpoint.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a safetensors file, a shard index, or a directory holding exactly one of those.</summary>
    /// <exception cref="CheckpointException">The checkpoint is missing, ambiguous or invalid.</exception>
    public static CheckpointReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var resolved = CheckpointPaths.Resolve(path);
        return CheckpointPaths.IsIndex(resolved) ? OpenSharded(resolved) : OpenSingle(resolved);
    }

    /// <summary>Whether the checkpoint holds <paramref name="key"/>.</summary>
    public bool Contains(string key) => _byKey.ContainsKey(key);

    /// <summary>The declaration of <paramref name="key"/>: dtype, shape, size and file.</summary>
    /// <exception cref="CheckpointException">The checkpoint has no such key.</exception>
    public TensorInfo GetInfo(string key) => FileOf(key).GetInfo(key);

    /// <summary>Copies <paramref name="key"/> into a new CPU tensor of its stored dtype; the caller owns it.</summary>
    /// <exception cref="CheckpointException">The checkpoint has no such key.</exception>
    public Tensor Read(string key) => FileOf(key).Read(key);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private SafetensorsFile FileOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _byKey.TryGetValue(key, out var file)
            ? file
            : throw new CheckpointException($"{Path}: no tensor '{key}' in this checkpoint ({_keys.Count} tensors).");
    }

    private static CheckpointReader OpenSingle(string path)
    {
        var file = SafetensorsFile.Open(path);
        var keys = file.Keys.ToList();
        return new CheckpointReader(path, [file], keys.ToDictionary(k => k, _ => file, StringComparer.Ordinal), keys, file.Metadata);
    }

    private static CheckpointReader OpenSharded(string indexPath)
    {
        var index = ShardIndex.Load(indexPath);
        var shardPaths = index.WeightMap.Values.Distinct(StringComparer.Ordinal).ToList();
        var missing = shardPaths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new CheckpointException($"{indexPath}: the index names shard files that do not exist: {string.Join(", ", missing)}.");
        }

        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var shardPath in shardPaths)
            {
                opened[shardPath] = SafetensorsFile.Open(shardPath);
            }

            var absent = index.WeightMap.Where(pair => !opened[pair.Value].Contains(pair.Key)).ToList();
            if (absent.Count > 0)
            {
                var listed = string.Join("; ", absent.Take(20).Select(pair => $"'{pair.Key}' -> {System.IO.Path.GetFileName(pair.Value)}"));
                throw new CheckpointException($"{indexPath}: {absent.Count} key(s) of the weight_map are not in the shard it names: {listed}{(absent.Count > 20 ? "; …" : string.Empty)}.");
            }

            // Keys in shard order, so that reading them in order walks each file front to back.
            var files = shardPaths.Select(p => opened[p]).ToList();
            var byKey = index.WeightMap.ToDictionary(pair => pair.Key, pair => opened[pair.Value], StringComparer.Ordinal);
            var keys = files.SelectMany(f => f.Keys.Where(k => byKey.TryGetValue(k, out var owner) && owner == f)).ToList();
            return new CheckpointReader(indexPath, files, byKey, keys, index.Metadata);
        }
        catch
        {
            foreach (var file in opened.Values)
            {
                file.Dispose();
            }

            throw;
        }
    }
}
