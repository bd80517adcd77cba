using RhymeFlow.Host.Tests.Checkpoints;
using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

public sealed class SentencePieceModelTests
{
    [Fact]
    public void FixtureModelIsReadWithItsSpecs()
    {
        var model = SentencePieceModel.Load(SpieceTinyCases.ModelPath);
        Assert.Equal(380, model.VocabularySize);
        Assert.Equal((0, 1, 2, -1), (model.PadId, model.EosId, model.UnkId, model.BosId));
        Assert.True(model.ByteFallback);
        Assert.Equal("nmt_nfkc", model.NormalizerName);
        Assert.True(model.AddDummyPrefix && model.RemoveExtraWhitespaces && model.EscapeWhitespaces);
        Assert.Equal(new SentencePieceEntry("<0x00>", 0f, SentencePieceType.Byte), model.Pieces[3]);
        Assert.Equal(new SentencePieceEntry("\u2581a", -2.061194658279419f, SentencePieceType.Normal), model.Pieces[259]);
        Assert.Equal(256, model.Pieces.Count(p => p.Type == SentencePieceType.Byte));
        Assert.Equal(SpieceTinyCases.ModelPath, model.Source);
    }

    [Fact]
    public void MissingFileIsReportedByName()
    {
        var path = Path.Combine(Path.GetTempPath(), "rhymeflow-no-such-" + Guid.NewGuid().ToString("N") + ".model");
        var e = Assert.Throws<FileNotFoundException>(() => SentencePieceModel.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(999, "holds 59 pieces but no trainer_spec; it is truncated")] // cut after piece 58
    [InlineData(1000, "the field at byte 999: While parsing a protocol message, the input ended unexpectedly")] // cut after the next piece's tag
    [InlineData(1001, "the field at byte 999: While parsing a protocol message, the input ended unexpectedly")] // cut after its length
    [InlineData(245000, "the input ended unexpectedly")] // cut inside the normalizer's charsmap
    [InlineData(1, "the field at byte 0: While parsing a protocol message, the input ended unexpectedly")] // a tag, then nothing
    public void TruncatedModelIsRejectedNamingTheFile(int keep, string expected)
    {
        var bytes = File.ReadAllBytes(SpieceTinyCases.ModelPath)[..keep];
        AssertRejected(bytes, expected);
    }

    [Fact]
    public void TextFileIsRejected()
    {
        AssertRejected("this is not a sentencepiece model\n"u8.ToArray(), "spiece.model");
    }

    [Fact]
    public void RandomBytesAreRejected()
    {
        var random = new Random(1234);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            AssertRejected(bytes, "SentencePiece model");
        }
    }

    [Fact]
    public void EmptyFileHoldsNoPieces()
    {
        AssertRejected([], "holds no pieces");
    }

    [Fact]
    public void BpeModelIsRejected()
    {
        AssertRejected(SyntheticSpieceModel.Build([("\u2581a", -1f, SentencePieceType.Normal)], modelType: 2), "is a BPE model; only unigram");
    }

    [Fact]
    public void UnkIdMustNameAnUnknownPiece()
    {
        AssertRejected(SyntheticSpieceModel.Build([("\u2581a", -1f, SentencePieceType.Normal)], unkId: 3), "unk id 3");
    }

    [Fact]
    public void DuplicatePiecesAreRejected()
    {
        AssertRejected(
            SyntheticSpieceModel.Build([("a", -1f, SentencePieceType.Normal), ("a", -2f, SentencePieceType.Normal)]),
            "holds piece 'a' twice (ids 3 and 4)");
    }

    [Fact]
    public void UnreadableCharsMapIsRejected()
    {
        AssertRejected(
            SyntheticSpieceModel.Build([("a", -1f, SentencePieceType.Normal)], charsMap: [0xFF, 0, 0, 0, 1, 2]),
            "precompiled_charsmap");
    }

    [Fact]
    public void CorruptedFixtureIsRejectedOnLoad()
    {
        var bytes = File.ReadAllBytes(SpieceTinyCases.ModelPath);

        // The first piece's length prefix now claims more bytes than the file holds.
        bytes[1] = 0xFF;
        bytes[2] = 0xFF;
        bytes[3] = 0xFF;
        bytes[4] = 0x7F;
        AssertRejected(bytes, "the field at byte 0: While parsing a protocol message, the input ended unexpectedly");
    }

    [Fact]
    public void UnknownFieldsOfEveryWireTypeInAPieceAreSkipped()
    {
        // Field 9 as a varint, a fixed64, a bytes field, a fixed32 and a group (start 0x4B, end 0x4C) holding a varint.
        byte[] unknown = [0x48, 0x05, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x4A, 0x02, 0xAA, 0xBB, 0x4D, 1, 2, 3, 4, 0x4B, 0x48, 0x01, 0x4C];
        var piece = new SyntheticSpieceModel.ProtoWriter().String(1, "b").Raw(unknown).Float(2, -2f).ToArray();
        byte[] bytes = [.. SyntheticSpieceModel.Build([("a", -1f, SentencePieceType.Normal)]), .. new SyntheticSpieceModel.ProtoWriter().Bytes(1, piece).ToArray()];

        var model = SentencePieceModel.Parse(bytes, "synthetic");

        Assert.Equal(new SentencePieceEntry("b", -2f, SentencePieceType.Normal), model.Pieces[^1]);
    }

    [Fact]
    public void PieceWhoseTextRunsPastThePieceIsRejected()
    {
        var model = SyntheticSpieceModel.Build([("a", -1f, SentencePieceType.Normal)]);
        byte[] bytes = [.. model, .. new SyntheticSpieceModel.ProtoWriter().Bytes(1, [0x0A, 0x05, (byte)'b']).ToArray()];

        AssertRejected(bytes, $"piece 4 at byte {model.Length}: a length of 5 bytes runs past the end of the message");
    }

    private static void AssertRejected(byte[] bytes, string expected)
    {
        using var directory = new TempDirectory();
        var path = directory.File("bad-spiece.model");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SentencePieceModelException>(() => SentencePieceModel.Load(path));
        Assert.Contains($"'{path}'", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"Expected \"{expected}\" in: {e.Message}");
    }
}
