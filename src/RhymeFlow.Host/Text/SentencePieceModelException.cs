namespace RhymeFlow.Host.Text;

/// <summary>
/// A SentencePiece model file could not be read: it is not a protobuf <c>ModelProto</c>, it is
/// truncated, it is inconsistent, or it is not a unigram model. The message names the file.
/// </summary>
public sealed class SentencePieceModelException : Exception
{
    /// <summary>Creates the exception with a message that already names the file.</summary>
    public SentencePieceModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that already names the file, and its cause.</summary>
    public SentencePieceModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
