namespace RhymeFlow.Host.Checkpoints;

/// <summary>A checkpoint tensor whose shape differs from the module's parameter or buffer.</summary>
/// <param name="Key">The module's key.</param>
/// <param name="CheckpointKey">The key in the checkpoint, before renaming.</param>
/// <param name="File">The file holding the tensor.</param>
/// <param name="Expected">The module's shape.</param>
/// <param name="Found">The checkpoint's shape.</param>
public sealed record ShapeMismatch(string Key, string CheckpointKey, string File, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"'{Key}'{(Key == CheckpointKey ? string.Empty : $" (checkpoint key '{CheckpointKey}')")} in {System.IO.Path.GetFileName(File)}: expected {ShapeFormat.Format(Expected)}, found {ShapeFormat.Format(Found)}";
}
