namespace RhymeFlow.Host.Text;

/// <summary>The kind of a vocabulary piece, numbered as in sentencepiece's <c>ModelProto.SentencePiece.Type</c>.</summary>
public enum SentencePieceType
{
    /// <summary>An ordinary piece, chosen by the Viterbi search by its score.</summary>
    Normal = 1,

    /// <summary>The unknown piece (<c>&lt;unk&gt;</c>).</summary>
    Unknown = 2,

    /// <summary>A control symbol such as <c>&lt;pad&gt;</c> or <c>&lt;/s&gt;</c>; never produced from text.</summary>
    Control = 3,

    /// <summary>A user-defined symbol, always matched whole where it occurs in the text.</summary>
    UserDefined = 4,

    /// <summary>A piece kept in the vocabulary but never produced.</summary>
    Unused = 5,

    /// <summary>A byte piece <c>&lt;0xNN&gt;</c>, used by byte fallback for characters outside the vocabulary.</summary>
    Byte = 6,
}

/// <summary>One vocabulary entry of a SentencePiece model: its text, its log-probability score and its kind.</summary>
/// <param name="Piece">The piece text; a space is written as U+2581 (▁).</param>
/// <param name="Score">The unigram log-probability.</param>
/// <param name="Type">The kind of piece.</param>
public readonly record struct SentencePieceEntry(string Piece, float Score, SentencePieceType Type);
