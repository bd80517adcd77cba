using System.Text;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// A checkpoint does not fit a module: every missing, unexpected and wrongly shaped key is listed at once,
/// so one run shows the whole problem.
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
{
    private const int ShownPerList = 50;

    /// <summary>Creates the exception; the message is built from the lists.</summary>
    /// <param name="files">The checkpoint's files.</param>
    /// <param name="missing">Module keys the checkpoint does not provide.</param>
    /// <param name="unexpected">Checkpoint keys (after renaming) the module does not have.</param>
    /// <param name="wrongShapes">Keys present on both sides with different shapes.</param>
    /// <param name="moduleName">What the message calls the module, e.g. one that names its config file; "the module" when null.</param>
    public CheckpointMismatchException(
        IReadOnlyList<string> files,
        IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected,
        IReadOnlyList<ShapeMismatch> wrongShapes,
        string? moduleName = null)
        : base(Describe(files, missing, unexpected, wrongShapes, moduleName ?? "the module"))
    {
        Files = files;
        Missing = missing;
        Unexpected = unexpected;
        WrongShapes = wrongShapes;
    }

    /// <summary>The checkpoint's files.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Module keys the checkpoint does not provide.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Checkpoint keys (after renaming) the module does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present on both sides with different shapes.</summary>
    public IReadOnlyList<ShapeMismatch> WrongShapes { get; }

    private static string Describe(IReadOnlyList<string> files, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> wrongShapes, string moduleName)
    {
        var text = new StringBuilder()
            .Append($"The checkpoint {string.Join(", ", files)} does not match {moduleName}: ")
            .Append($"{missing.Count} missing, {unexpected.Count} unexpected, {wrongShapes.Count} with the wrong shape.");
        AppendList(text, "Missing (the module has them, the checkpoint does not)", missing.Select(k => $"'{k}'").ToList());
        AppendList(text, "Unexpected (the checkpoint has them, the module does not)", unexpected.Select(k => $"'{k}'").ToList());
        AppendList(text, "Wrong shape", wrongShapes.Select(m => m.ToString()).ToList());
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        text.AppendLine().Append(title).Append(':');
        foreach (var line in lines.Take(ShownPerList))
        {
            text.AppendLine().Append("  ").Append(line);
        }

        if (lines.Count > ShownPerList)
        {
            text.AppendLine().Append($"  … and {lines.Count - ShownPerList} more");
        }
    }
}
