using RhymeFlow.Host.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// Strict loading of a transformers umT5 checkpoint. Like <see cref="StateDictLoader"/>, except that the tied token
/// embedding may be stored under <c>shared.weight</c>, <c>encoder.embed_tokens.weight</c> or both; with both, the
/// second is the same tensor and is skipped (its shape is still checked).
/// </summary>
internal static class Umt5Checkpoint
{
    public const string SharedKey = "shared.weight";
    public const string EmbedTokensKey = "encoder.embed_tokens.weight";

    public static StateDictLoadResult Load(nn.Module module, CheckpointReader checkpoint)
    {
        var targets = module.state_dict();
        var hasShared = checkpoint.Contains(SharedKey);

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var wrongShapes = new List<ShapeMismatch>();
        foreach (var key in checkpoint.Keys)
        {
            if (key == EmbedTokensKey && hasShared)
            {
                var info = checkpoint.GetInfo(key);
                var shared = targets[SharedKey];
                if (!info.Shape.SequenceEqual(shared.shape))
                {
                    wrongShapes.Add(new ShapeMismatch(SharedKey, key, info.File, shared.shape, info.Shape));
                }

                continue;
            }

            var moduleKey = key == EmbedTokensKey ? SharedKey : key;
            if (!targets.ContainsKey(moduleKey) || !sources.TryAdd(moduleKey, key))
            {
                unexpected.Add(key);
            }
        }

        var missing = new List<string>();
        var plan = new List<(string ModuleKey, string CheckpointKey)>();
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
            throw new CheckpointMismatchException(checkpoint.Files, missing, unexpected, wrongShapes);
        }

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
}
