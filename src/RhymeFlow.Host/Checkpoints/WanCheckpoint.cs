using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>Loads Wan transformer weights in either key format into a module with diffusers key names.</summary>
public static class WanCheckpoint
{
    /// <summary>Opens <paramref name="path"/>, detects its key format and loads it strictly into <paramref name="module"/>.</summary>
    /// <exception cref="CheckpointException">The format is unknown, or the weights do not fit the module.</exception>
    public static StateDictLoadResult Load(nn.Module module, string path)
    {
        using var checkpoint = CheckpointReader.Open(path);
        return Load(module, checkpoint);
    }

    /// <summary>Detects the key format of an open checkpoint and loads it strictly into <paramref name="module"/>.</summary>
    public static StateDictLoadResult Load(nn.Module module, CheckpointReader checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var format = WanKeys.Detect(checkpoint.Keys);
        return StateDictLoader.Load(module, checkpoint, WanKeys.ToDiffusersRenamer(format));
    }
}
