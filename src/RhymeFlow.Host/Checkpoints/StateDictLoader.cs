using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Loads a checkpoint into a module strictly: every parameter and buffer must be provided with the right
/// shape and nothing may be left over, or a <see cref="CheckpointMismatchException"/> lists all problems.
/// Tensors are read and copied one at a time, so peak memory is the module plus its largest tensor.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Opens <paramref name="path"/> (file, index or directory) and loads it into <paramref name="module"/>.</summary>
    /// <param name="module">The module whose parameters and buffers are overwritten in place.</param>
    /// <param name="path">A safetensors file, a shard index, or a directory holding one.</param>
    /// <param name="renameKey">Maps a checkpoint key to the module's key; identity when null.</param>
    public static StateDictLoadResult Load(nn.Module module, string path, Func<string, string>? renameKey = null)
    {
        using var checkpoint = CheckpointReader.Open(path);
        return Load(module, checkpoint, renameKey);
    }

    /// <summary>Loads an open checkpoint into <paramref name="module"/>, casting to each parameter's dtype and device.</summary>
    /// <param name="module">The module whose parameters and buffers are overwritten in place.</param>
    /// <param name="checkpoint">The checkpoint; it stays open.</param>
    /// <param name="renameKey">Maps a checkpoint key to the module's key; identity when null.</param>
    /// <param name="tiedCopies">
    /// Checkpoint keys that may duplicate another key renamed onto the same module key (tied weights saved twice, such
    /// as umT5's <c>shared.weight</c> and <c>encoder.embed_tokens.weight</c>): when the other key is present, the copy is
    /// only shape-checked; alone, it is loaded. Null: none.
    /// </param>
    /// <param name="moduleName">
    /// What the mismatch message calls the module, e.g. "the model that config.json describes", so that it names
    /// the file the module was built from; "the module" when null.
    /// </param>
    /// <exception cref="CheckpointMismatchException">Keys are missing, unexpected or wrongly shaped.</exception>
    public static StateDictLoadResult Load(
        nn.Module module,
        CheckpointReader checkpoint,
        Func<string, string>? renameKey = null,
        IReadOnlySet<string>? tiedCopies = null,
        string? moduleName = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(checkpoint);

        // state_dict() hands out the module's own parameter and buffer objects: they must not be disposed.
        var targets = module.state_dict();
        var plan = Plan(targets, checkpoint, renameKey ?? (key => key), tiedCopies ?? new HashSet<string>(), moduleName);

        long bytes = 0;
        using (no_grad())
        {
            foreach (var (moduleKey, checkpointKey) in plan)
            {
                using var scope = NewDisposeScope();
                var source = checkpoint.Read(checkpointKey);
                targets[moduleKey].copy_(source);
                bytes += source.numel() * source.element_size();
            }
        }

        return new StateDictLoadResult(plan.Count, bytes);
    }

    /// <summary>Pairs module keys with checkpoint keys, or throws with every problem found.</summary>
    private static List<(string ModuleKey, string CheckpointKey)> Plan(
        Dictionary<string, Tensor> targets, CheckpointReader checkpoint, Func<string, string> renameKey, IReadOnlySet<string> tiedCopies, string? moduleName)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var wrongShapes = new List<ShapeMismatch>();

        // Originals first, so that a tied copy only stands in where its original is absent.
        foreach (var key in checkpoint.Keys.OrderBy(tiedCopies.Contains))
        {
            var renamed = renameKey(key);
            if (!targets.TryGetValue(renamed, out var target))
            {
                unexpected.Add(renamed);
            }
            else if (!sources.TryAdd(renamed, key))
            {
                if (!tiedCopies.Contains(key))
                {
                    // Two checkpoint keys renamed onto one module key: the second has nowhere to go.
                    unexpected.Add(renamed);
                }
                else if (checkpoint.GetInfo(key) is var copy && !copy.Shape.SequenceEqual(target.shape))
                {
                    wrongShapes.Add(new ShapeMismatch(renamed, key, copy.File, target.shape, copy.Shape));
                }
            }
        }

        var missing = new List<string>();
        var plan = new List<(string, string)>();
        foreach (var (moduleKey, target) in targets)
        {
            if (!sources.TryGetValue(moduleKey, out var checkpointKey))
            {
                missing.Add(moduleKey);
                continue;
            }

            var info = checkpoint.GetInfo(checkpointKey);
            if (!info.Shape.SequenceEqual(target.shape))
            {
                wrongShapes.Add(new ShapeMismatch(moduleKey, checkpointKey, info.File, target.shape, info.Shape));
                continue;
            }

            plan.Add((moduleKey, checkpointKey));
        }

        if (missing.Count > 0 || unexpected.Count > 0 || wrongShapes.Count > 0)
        {
            throw new CheckpointMismatchException(checkpoint.Files, missing, unexpected, wrongShapes, moduleName);
        }

        return plan;
    }
}
