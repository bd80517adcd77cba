using Google.Protobuf;
using RhymeFlow.Host.Tests.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;
using RhymeFlow.Host.Tests.Text;
using RhymeFlow.Host.Text;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Hostile;

/// <summary>
/// The SentencePiece model reader on mutated copies of the fixture model: truncated varints, lengths past the end,
/// huge repeated fields and byte-level damage. Each case loads or throws SentencePieceModelException naming the file;
/// a model that loads must also tokenize, since the normalization rules are only walked then.
/// </summary>
public sealed class SentencePieceHostileTests(ITestOutputHelper output)
{
    private const int Cases = 400;

    [Fact]
    public async Task MutatedModelsLoadOrFailWithSentencePieceModelException()
    {
        var original = File.ReadAllBytes(SpieceTinyCases.ModelPath);
        var fields = TopLevelFields(original);
        LoadAndTokenize(SpieceTinyCases.ModelPath);
        using var directory = new TempDirectory();
        var random = new Random(20261132);
        var run = new HostileInputs("SentencePiece model", output);

        for (var i = 0; i < Cases; i++)
        {
            var (kind, bytes) = (i % 5) switch
            {
                0 => ("truncated varint", TruncatedVarint(random, original, fields)),
                1 => ("length past the end", LengthPastTheEnd(random, original, fields)),
                2 => ("huge repeated field", HugeRepeatedField(random, original, fields)),
                _ => ("byte damage", HostileMutations.Bytes(random, original)),
            };
            var path = directory.File($"case{i % 4}.model");
            File.WriteAllBytes(path, bytes);
            await run.RunAsync($"case {i}: {kind}", () => LoadAndTokenize(path), e => e is SentencePieceModelException, $"'{path}'", (32L * bytes.Length) + (8L << 20));
        }

        run.Report();
        Assert.True(run.Count("ok") > 5, string.Join(", ", run.Outcomes));
        Assert.True(run.Count(nameof(SentencePieceModelException)) > Cases / 2, string.Join(", ", run.Outcomes));
    }

    private static void LoadAndTokenize(string path)
    {
        var tokenizer = SentencePieceTokenizer.Load(path);
        _ = tokenizer.Tokenize("A red circle, ＡＢＣ ① moving left… ½ café");
    }

    /// <summary>Where each top-level field starts, where its payload starts, and its payload length (-1 for a varint).</summary>
    private static List<(int Start, int Payload, int Length)> TopLevelFields(byte[] model)
    {
        var fields = new List<(int, int, int)>();
        var input = new CodedInputStream(model);
        for (var start = 0; input.ReadTag() is var tag && tag != 0; start = (int)input.Position)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var length = input.ReadBytes().Length;
                fields.Add((start, (int)input.Position - length, length));
            }
            else
            {
                input.SkipLastField();
                fields.Add((start, (int)input.Position, -1));
            }
        }

        return fields;
    }

    /// <summary>The file cut inside a field, ending in varint bytes that promise more.</summary>
    private static byte[] TruncatedVarint(Random random, byte[] model, List<(int Start, int Payload, int Length)> fields)
    {
        var (start, _, _) = fields[random.Next(fields.Count)];
        return [.. model.AsSpan(0, start + random.Next(0, 2)), .. Enumerable.Repeat((byte)0x80, random.Next(1, 12))];
    }

    /// <summary>A field whose length claims up to 2^64 - 1 bytes, the rest of the file unchanged.</summary>
    private static byte[] LengthPastTheEnd(Random random, byte[] model, List<(int Start, int Payload, int Length)> fields)
    {
        var delimited = fields.Where(f => f.Length >= 0).ToList();
        var (start, payload, length) = delimited[random.Next(delimited.Count)];
        ulong[] claims = [(ulong)(model.Length - payload + 1), int.MaxValue, 1UL << 31, 1UL << 32, long.MaxValue, ulong.MaxValue];
        var claim = claims[random.Next(claims.Length)];
        var tagEnd = start + 1;
        while (model[tagEnd - 1] >= 0x80)
        {
            tagEnd++;
        }

        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteUInt64(claim);
        }

        return [.. model.AsSpan(0, tagEnd), .. buffer.ToArray(), .. model.AsSpan(payload)];
    }

    /// <summary>One field repeated many times: the same piece (a duplicate), or many distinct new pieces.</summary>
    private static byte[] HugeRepeatedField(Random random, byte[] model, List<(int Start, int Payload, int Length)> fields)
    {
        var count = random.Next(10_000, 100_000);
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            var distinct = random.Next(2) == 0;
            for (var i = 0; i < count; i++)
            {
                var piece = new SyntheticSpieceModel.ProtoWriter().String(1, distinct ? $"p{i}" : "p").Float(2, -i).ToArray();
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(piece));
            }
        }

        // Before the specs, where sentencepiece writes pieces.
        var at = fields.First(f => f.Start > 0 && model[f.Start] != 0x0A).Start;
        return [.. model.AsSpan(0, at), .. buffer.ToArray(), .. model.AsSpan(at)];
    }
}
