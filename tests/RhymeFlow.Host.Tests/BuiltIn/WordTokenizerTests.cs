using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class WordTokenizerTests
{
    [Fact]
    public void EncodesWordsAndPadsWithZero()
    {
        var ids = WordTokenizer.Encode("A red circle moving LEFT quickly.");
        var words = new[] { "a", "red", "circle", "moving", "left", "quickly" };
        Assert.Equal(16, ids.Length);
        Assert.Equal(words.Select(w => Vocabulary.Words.ToList().IndexOf(w)), ids.Take(6));
        Assert.All(ids.Skip(6), id => Assert.Equal(Vocabulary.PadId, id));
    }

    [Fact]
    public void AnEmptyCaptionIsAllPadding() => Assert.All(WordTokenizer.Encode("  "), id => Assert.Equal(0, id));

    [Fact]
    public void AnUnknownWordListsTheVocabulary()
    {
        var error = Assert.Throws<ArgumentException>(() => WordTokenizer.Encode("a purple circle moving left"));
        Assert.Contains("'purple'", error.Message);
        Assert.Contains("a, and, red, green, blue, yellow, magenta, cyan, circle, square, triangle, moving", error.Message);
        Assert.DoesNotContain(Vocabulary.PadToken, error.Message);
        Assert.Throws<ArgumentException>(() => WordTokenizer.Encode(Vocabulary.PadToken));
    }

    [Fact]
    public void RejectsMoreThanSixteenWords() =>
        Assert.Contains("17 words", Assert.Throws<ArgumentException>(() => WordTokenizer.Encode(string.Join(' ', Enumerable.Repeat("a", 17)))).Message);

    [Fact]
    public void EveryCaptionTheGrammarRendersTokenizes()
    {
        var sampler = new TrainingSampler(8);
        foreach (var caption in HeldOutCaptions.Captions.Concat(Enumerable.Range(0, 300).Select(i => Caption.Render(sampler.Sample(i)))))
        {
            Assert.DoesNotContain(0, WordTokenizer.Encode(caption).Take(caption.Split(' ').Length));
        }
    }

    [Fact]
    public void EncodeBatchGivesInt64Rows()
    {
        using var ids = WordTokenizer.EncodeBatch(["a red circle growing slowly", ""]);
        Assert.Equal(new long[] { 2, 16 }, ids.shape);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(0L, ids.sum(1)[1].item<long>());
    }
}
