namespace RhymeFlow.Host.Checkpoints;

/// <summary>A pipeline folder is incomplete or inconsistent; <see cref="Problems"/> lists everything found.</summary>
public sealed class PipelineFolderException : CheckpointException
{
    public PipelineFolderException(string folder, IReadOnlyList<string> problems)
        : base($"{folder} is not a usable Wan 2.1 pipeline folder ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):{Environment.NewLine}" +
               string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
        Folder = folder;
        Problems = problems;
    }

    public string Folder { get; }

    public IReadOnlyList<string> Problems { get; }
}
