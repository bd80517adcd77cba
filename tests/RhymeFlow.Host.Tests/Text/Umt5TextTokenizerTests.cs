using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

public sealed class Umt5TextTokenizerTests
{
    private static readonly Umt5TextTokenizer Umt5 = new(SpieceTinyCases.Tokenizer);

    [Fact]
    public void BatchIsInt64OfMaxLengthWithEosPaddingAndMask()
    {
        var english = SpieceTinyCases.All[0];
        using var batch = Umt5.EncodeBatch([english.Text, ""]);
        Assert.Equal([2L, 512L], batch.InputIds.shape);
        Assert.Equal([2L, 512L], batch.AttentionMask.shape);
        Assert.Equal(ScalarType.Int64, batch.InputIds.dtype);
        Assert.Equal(ScalarType.Int64, batch.AttentionMask.dtype);
        Assert.Equal([english.Ids.Length + 1, 1], batch.Lengths);

        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask.data<long>().ToArray();
        long[] row0 = [.. english.Ids.Select(i => (long)i), 1L, .. Enumerable.Repeat(0L, 512 - english.Ids.Length - 1)];
        Assert.Equal(row0, ids[..512]);
        Assert.Equal([1L, .. Enumerable.Repeat(0L, 511)], ids[512..]);
        Assert.Equal([.. Enumerable.Repeat(1L, english.Ids.Length + 1), .. Enumerable.Repeat(0L, 512 - english.Ids.Length - 1)], mask[..512]);
        Assert.Equal([1L, .. Enumerable.Repeat(0L, 511)], mask[512..]);
    }

    [Fact]
    public void DeconstructsIntoIdsAndMask()
    {
        using var batch = Umt5.EncodeBatch(["a red circle"], maxLength: 6);
        var (inputIds, attentionMask) = batch;
        Assert.Equal([259L, 287L, 272L, 1L, 0L, 0L], inputIds.data<long>().ToArray());
        Assert.Equal([1L, 1L, 1L, 1L, 0L, 0L], attentionMask.data<long>().ToArray());
    }

    [Theory]
    [MemberData(nameof(SpieceTinyCases.Indices), MemberType = typeof(SpieceTinyCases))]
    public void EveryCaseIsItsIdsThenEos(int index)
    {
        var c = SpieceTinyCases.All[index];
        Assert.Equal([.. c.Ids, 1], Umt5.EncodeIds(c.Text));
    }

    [Fact]
    public void LongTextIsTruncatedKeepingEosLast()
    {
        var c = SpieceTinyCases.All.MaxBy(c => c.Ids.Length)!;
        Assert.True(c.Ids.Length > 8);
        Assert.Equal([.. c.Ids[..7], 1], Umt5.EncodeIds(c.Text, maxLength: 8));

        using var batch = Umt5.EncodeBatch([c.Text], maxLength: 8);
        Assert.Equal([.. c.Ids[..7].Select(i => (long)i), 1L], batch.InputIds.data<long>().ToArray());
        Assert.Equal(Enumerable.Repeat(1L, 8), batch.AttentionMask.data<long>().ToArray());
        Assert.Equal([8], batch.Lengths);
    }

    [Fact]
    public void TextThatFillsMaxLengthExactlyHasNoPadding()
    {
        var c = SpieceTinyCases.All[0];
        Assert.Equal([.. c.Ids, 1], Umt5.EncodeIds(c.Text, maxLength: c.Ids.Length + 1));
        Assert.Equal([1], Umt5.EncodeIds(c.Text, maxLength: 1));
    }

    [Fact]
    public void LongPromptIsTruncatedTo512()
    {
        var text = string.Join(' ', Enumerable.Repeat("a red circle moving left", 200));
        Assert.Equal(1000, SpieceTinyCases.Tokenizer.Encode(text).Count);
        var ids = Umt5.EncodeIds(text);
        Assert.Equal(512, ids.Count);
        Assert.Equal(1, ids[^1]);
        Assert.DoesNotContain(1, ids.Take(511));
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Umt5.EncodeBatch(["a"], maxLength: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Umt5.EncodeIds("a", maxLength: 0));
        Assert.Throws<ArgumentException>(() => Umt5.EncodeBatch([]));
        Assert.Throws<ArgumentException>(() => Umt5.EncodeBatch(["a", null!]));
    }

    [Fact]
    public void ModelWithoutEosIsRejected()
    {
        var bytes = SyntheticSpieceModel.Build([("a", -1f, SentencePieceType.Normal)]);
        var model = SentencePieceModel.Parse(bytes, "no-eos.model");
        Assert.Equal(1, model.EosId);

        // Same model with eos_id = -1 in a second trainer_spec (protobuf merges repeated messages field by field).
        var patched = bytes.Concat(new SyntheticSpieceModel.ProtoWriter().Message(2, new SyntheticSpieceModel.ProtoWriter().Varint(42, unchecked((ulong)-1L))).ToArray()).ToArray();
        var tokenizer = new SentencePieceTokenizer(SentencePieceModel.Parse(patched, "no-eos.model"));
        var e = Assert.Throws<ArgumentException>(() => new Umt5TextTokenizer(tokenizer));
        Assert.Contains("'no-eos.model' has eos id -1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreateSaysWhyTheFramingDoesNotApplyToAGeneralModel()
    {
        Assert.True(Umt5TextTokenizer.TryCreate(SpieceTinyCases.Tokenizer, out var umt5, out var none));
        Assert.Null(none);
        Assert.Equal(SpieceTinyCases.Tokenizer, umt5.Tokenizer);

        // sentencepiece's trainer defaults: eos 2 and no pad id, as in its own test models.
        var bytes = SyntheticSpieceModel.Build([("\u2581a", -1f, SentencePieceType.Normal)]);
        var noPad = bytes.Concat(new SyntheticSpieceModel.ProtoWriter().Message(2, new SyntheticSpieceModel.ProtoWriter().Varint(43, unchecked((ulong)-1L))).ToArray()).ToArray();
        var general = new SentencePieceTokenizer(SentencePieceModel.Parse(noPad, "general.model"));
        Assert.False(Umt5TextTokenizer.TryCreate(general, out var refused, out var problem));
        Assert.Null(refused);
        Assert.Equal("SentencePiece model 'general.model' has eos id 1 and pad id -1; umT5 needs both.", problem);
        Assert.Equal([3], general.Encode("a"));
    }

    [Fact]
    public void BatchTensorsAreReleasedOnDispose()
    {
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            using var batch = Umt5.EncodeBatch(["a red circle", "红色的圆"], maxLength: 16);
            Assert.Equal([2L, 16L], batch.InputIds.shape);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
