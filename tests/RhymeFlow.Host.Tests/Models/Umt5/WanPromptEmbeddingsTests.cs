using RhymeFlow.Host.Models.Umt5;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>Wan's trim-to-true-length and zero-pad of the encoder output.</summary>
public sealed class WanPromptEmbeddingsTests
{
    [Fact]
    public void KeepsEachRowsTrueLengthAndZeroPads()
    {
        using var hidden = arange(1, 2 * 5 * 3 + 1, dtype: ScalarType.Float32).view(2, 5, 3);
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 0, 0, 0 } });
        using var prepared = WanPromptEmbeddings.Prepare(hidden, mask, length: 8);

        Assert.Equal([2L, 8, 3], prepared.shape);
        using var row0 = prepared[0].narrow(0, 0, 5);
        using var hidden0 = hidden[0];
        Assert.True(row0.eq(hidden0).all().item<bool>());
        using var row1 = prepared[1].narrow(0, 0, 2);
        using var hidden1 = hidden[1].narrow(0, 0, 2);
        Assert.True(row1.eq(hidden1).all().item<bool>());
        using var rest0 = prepared[0].narrow(0, 5, 3);
        using var rest1 = prepared[1].narrow(0, 2, 6);
        Assert.True(rest0.eq(0).all().item<bool>());
        Assert.True(rest1.eq(0).all().item<bool>());
    }

    [Fact]
    public void DefaultsToWansLengthAndKeepsDtype()
    {
        using var hidden = randn(1, 12, 4).to(ScalarType.BFloat16);
        using var mask = ones(1, 12, dtype: ScalarType.Bool);
        using var prepared = WanPromptEmbeddings.Prepare(hidden, mask);
        Assert.Equal([1L, 512, 4], prepared.shape);
        Assert.Equal(ScalarType.BFloat16, prepared.dtype);
    }

    [Fact]
    public void LongerInputsAreCutWhenEveryRowFits()
    {
        using var hidden = randn(2, 10, 4);
        using var fits = tensor(new long[,] { { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 } });
        using var prepared = WanPromptEmbeddings.Prepare(hidden, fits, length: 6);
        Assert.Equal([2L, 6, 4], prepared.shape);
        using var kept = prepared[1];
        using var source = hidden[1].narrow(0, 0, 6);
        Assert.True(kept.eq(source).all().item<bool>());

        using var tooLong = ones(2, 10, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => WanPromptEmbeddings.Prepare(hidden, tooLong, length: 6));
        Assert.Contains("10 tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchesTrimmingTheFixtureOutput()
    {
        // The fixture's second row is masked from token 7: positions 7.. of its output are replaced by zeros.
        var inputs = Umt5Tiny.ReadCase();
        using var prepared = WanPromptEmbeddings.Prepare(inputs["last_hidden_state"], inputs["attention_mask"], length: 16);
        using var kept = prepared[1].narrow(0, 0, 7);
        using var expected = inputs["last_hidden_state"][1].narrow(0, 0, 7);
        using var zeroed = prepared[1].narrow(0, 7, 9);
        Assert.True(kept.eq(expected).all().item<bool>());
        Assert.True(zeroed.eq(0).all().item<bool>());
        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void ShapesMustAgree()
    {
        using var hidden = randn(2, 5, 3);
        using var mask = ones(2, 4);
        Assert.Throws<ArgumentException>(() => WanPromptEmbeddings.Prepare(hidden, mask));
        using var fine = ones(2, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => WanPromptEmbeddings.Prepare(hidden, fine, length: 0));
    }
}
