namespace RhymeFlow.Host.Text;

/// <summary>One token of an encoded text: its vocabulary id and its piece (spaces written as ▁).</summary>
/// <param name="Id">The vocabulary id.</param>
/// <param name="Piece">
/// The piece text: the vocabulary piece, <c>&lt;0xNN&gt;</c> for a byte-fallback byte, or for an unknown
/// character without byte fallback the character itself (as sentencepiece reports it).
/// </param>
public readonly record struct SentencePieceToken(int Id, string Piece);
