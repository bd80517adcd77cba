using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

/// <summary>Behaviour the fixture cases do not reach: NFKC through the charsmap, user-defined pieces, unk without byte fallback.</summary>
public sealed class SentencePieceBehaviourTests
{
    private static readonly SentencePieceTokenizer Synthetic = new(SentencePieceModel.Parse(
        SyntheticSpieceModel.Build(
        [
            ("\u2581", -3f, SentencePieceType.Normal),
            ("a", -2f, SentencePieceType.Normal),
            ("b", -2f, SentencePieceType.Normal),
            ("\u2581ab", -1.5f, SentencePieceType.Normal),
            ("<x>", 0f, SentencePieceType.UserDefined),
            ("ba", -0.5f, SentencePieceType.Unused),
        ]),
        "synthetic.model"));

    [Theory]
    [InlineData("\uFF21 red", "A red")] // full-width A
    [InlineData("\uFB01", "fi")] // the fi ligature
    [InlineData("\u2462", "3")] // circled digit three
    [InlineData("a\u3000red", "a red")] // ideographic space
    [InlineData("a \r\n red", "a red")]
    public void CharsMapAppliesNfkcAndWhitespaceFolding(string text, string equivalent)
    {
        var tokenizer = SpieceTinyCases.Tokenizer;
        Assert.Equal(tokenizer.Encode(equivalent), tokenizer.Encode(text));
    }

    [Fact]
    public void UserDefinedPiecesAreMatchedWhole()
    {
        var tokens = Synthetic.Tokenize("ab<x>ab");
        Assert.Equal(["\u2581ab", "<x>", "a", "b"], tokens.Select(t => t.Piece));
        Assert.Equal([6, 7, 4, 5], tokens.Select(t => t.Id));
        Assert.Equal("ab<x>ab", Synthetic.Decode(tokens.Select(t => t.Id)));
    }

    [Fact]
    public void UnusedPiecesAreNeverProduced()
    {
        Assert.Equal(["\u2581", "b", "a"], Synthetic.EncodeToPieces("ba"));
    }

    [Fact]
    public void WithoutByteFallbackARunOfUnknownCharactersIsOneUnk()
    {
        var tokens = Synthetic.Tokenize("ab cç€ b");
        Assert.Equal(
            [new(6, "\u2581ab"), new(3, "\u2581"), new(2, "cç€"), new(3, "\u2581"), new(5, "b")],
            tokens);
        Assert.Equal("ab  \u2047  b", Synthetic.Decode(tokens.Select(t => t.Id)));
    }

    [Fact]
    public void InvalidBytePiecesDecodeToOneReplacementEach()
    {
        // F0 9F 9A is a rocket without its last byte: sentencepiece replaces each byte, not the sequence.
        var tokenizer = SpieceTinyCases.Tokenizer;
        Assert.Equal("a\uFFFD\uFFFD\uFFFD a", tokenizer.Decode([259, 3 + 0xF0, 3 + 0x9F, 3 + 0x9A, 259]));

        // The whole rocket, then a lone continuation byte.
        Assert.Equal("a🚀\uFFFD", tokenizer.Decode([259, 3 + 0xF0, 3 + 0x9F, 3 + 0x9A, 3 + 0x80, 3 + 0x80]));
    }
}
