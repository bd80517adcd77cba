namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// A checkpoint could not be read, written or loaded. The message names the file and, where one is
/// involved, the tensor key, its dtype, shape and offsets, and what was expected instead.
/// </summary>
public class CheckpointException : Exception
{
    /// <summary>Creates the exception with a message that already names the file.</summary>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that already names the file, and its cause.</summary>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
