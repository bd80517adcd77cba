using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

public sealed class SentencePieceTokenizerTests
{
    private static SentencePieceTokenizer Tokenizer => SpieceTinyCases.Tokenizer;

    [Fact]
    public void FixtureHoldsTheExpectedCases()
    {
        // English, French, Chinese, byte fallback, spaces, tabs/newlines, the empty string: at least nine cases.
        Assert.True(SpieceTinyCases.All.Count >= 9);
        Assert.Contains(SpieceTinyCases.All, c => c.Text.Length == 0);
    }

    [Theory]
    [MemberData(nameof(SpieceTinyCases.Indices), MemberType = typeof(SpieceTinyCases))]
    public void EncodeMatchesTheReferenceIds(int index)
    {
        var c = SpieceTinyCases.All[index];
        Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(SpieceTinyCases.Indices), MemberType = typeof(SpieceTinyCases))]
    public void TokenizeMatchesTheReferenceIdsAndPieces(int index)
    {
        var c = SpieceTinyCases.All[index];
        var tokens = Tokenizer.Tokenize(c.Text);
        Assert.Equal(c.Ids, tokens.Select(t => t.Id));
        Assert.Equal(c.Pieces, tokens.Select(t => t.Piece));
        Assert.Equal(c.Pieces, Tokenizer.EncodeToPieces(c.Text));
    }

    [Theory]
    [MemberData(nameof(SpieceTinyCases.Indices), MemberType = typeof(SpieceTinyCases))]
    public void ReferenceIdsMapToTheReferencePieces(int index)
    {
        var c = SpieceTinyCases.All[index];
        Assert.Equal(c.Pieces, c.Ids.Select(Tokenizer.IdToPiece));
        Assert.Equal(c.Ids, c.Pieces.Select(Tokenizer.PieceToId));
    }

    [Theory]
    [InlineData("a red circle moving left")]
    [InlineData("un cercle rouge se déplace à gauche")]
    [InlineData("红色的圆向左移动")]
    [InlineData("unseen words: zebra quantum 🚀")]
    [InlineData("CAPS and 42 numbers")]
    [InlineData("")]
    public void DecodeRoundTripsTextThatNeedsNoNormalization(string text)
    {
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Theory]
    [InlineData("  leading and trailing spaces  ", "leading and trailing spaces")]
    [InlineData("a\ttab and\nnewline", "a tab and newline")]
    [InlineData("a   red\u3000circle", "a red circle")]
    public void DecodeGivesTheNormalizedText(string text, string expected)
    {
        Assert.Equal(expected, Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Fact]
    public void DecodeDropsControlPiecesAndSpellsUnk()
    {
        Assert.Equal("a red", Tokenizer.Decode([259, 287, Tokenizer.EosId, Tokenizer.PadId, Tokenizer.PadId]));
        Assert.Equal("a \u2047 ", Tokenizer.Decode([259, Tokenizer.UnkId]));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([259, 380]));
        Assert.Contains("380", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-1]));
    }

    [Fact]
    public void WhitespaceOnlyAndEmptyTextsHaveNoTokens()
    {
        Assert.Empty(Tokenizer.Encode(""));
        Assert.Empty(Tokenizer.Encode("   \t\n "));
        Assert.Empty(Tokenizer.Tokenize(""));
    }

    [Fact]
    public void SpecialIdsAndVocabularySizeComeFromTheModel()
    {
        Assert.Equal(380, Tokenizer.VocabularySize);
        Assert.Equal(0, Tokenizer.PadId);
        Assert.Equal(1, Tokenizer.EosId);
        Assert.Equal(2, Tokenizer.UnkId);
        Assert.Equal(-1, Tokenizer.BosId);
        Assert.Equal("<pad>", Tokenizer.IdToPiece(0));
        Assert.Equal("</s>", Tokenizer.IdToPiece(1));
        Assert.Equal("<unk>", Tokenizer.IdToPiece(2));
        Assert.Equal(2, Tokenizer.PieceToId("no such piece"));
    }

    [Fact]
    public void UnknownCharactersFallBackToTheirUtf8Bytes()
    {
        // U+00A7 is outside the tiny vocabulary and unchanged by NFKC: C2 A7.
        var tokens = Tokenizer.Tokenize("§");
        Assert.Equal(["▁", "<0xC2>", "<0xA7>"], tokens.Select(t => t.Piece));
        Assert.Equal([299, 3 + 0xC2, 3 + 0xA7], tokens.Select(t => t.Id));
        Assert.Equal("§", Tokenizer.Decode(tokens.Select(t => t.Id)));
    }

    [Fact]
    public void EncodingIsTheSameFromManyThreads()
    {
        var expected = SpieceTinyCases.All.Select(c => c.Ids).ToArray();
        Parallel.For(0, 64, i =>
        {
            var c = SpieceTinyCases.All[i % SpieceTinyCases.All.Count];
            Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
        });
        Assert.Equal(expected.Length, SpieceTinyCases.All.Count);
    }
}
