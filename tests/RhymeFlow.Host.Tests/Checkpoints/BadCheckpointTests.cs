using System.Text;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class BadCheckpointTests
{
    private const string Valid = """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]}}""";

    [Fact]
    public void ValidHandMadeFileOpens()
    {
        using var directory = new TempDirectory();
        var path = directory.File("ok.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(Valid, 24));

        using var file = SafetensorsFile.Open(path);
        using var b = file.Read("b");
        Assert.Equal(ScalarType.BFloat16, b.dtype);
    }

    [Theory]
    [InlineData(Valid, 24, null, "")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""", 8, null, "'a' (F32 [2, 2]) has data_offsets [0, 16], which must satisfy begin <= end <= 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, null, "overlapping data_offsets")]
    [InlineData("""{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2, null, "tensor 'a' has dtype 'F8_E4M3'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, null, "'a' (F32 [3]) needs 12 bytes, but its data_offsets [0, 8] hold 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}""", 8, null, "[1099511627776, 1099511627776] of F32, whose size in bytes overflows")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}""", 8, null, "'shape' element 0 is Number -1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, null, "not valid JSON")]
    [InlineData("""{"__metadata__":{"x":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, null, "'__metadata__' entry 'x' must be a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, null, "declares 'a' twice")]
    [InlineData("""[]""", 0, null, "must be a JSON object")]
    [InlineData("""{}""", 0, 1000UL, "header length is 1000 bytes, but at most 2 are possible")]
    [InlineData("""{}""", 0, ulong.MaxValue, "header length is 18446744073709551615 bytes")]
    public void InvalidHeadersAreRejectedWithTheirOwnMessage(string header, int dataLength, ulong? declaredLength, string expected)
    {
        using var directory = new TempDirectory();
        var path = directory.File("bad.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(header, dataLength, declaredLength));

        if (expected.Length == 0)
        {
            SafetensorsFile.Open(path).Dispose();
            return;
        }

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void HoleBetweenTwoTensorsIsRefusedNamingTheFile()
    {
        // Bytes 16..20 belong to no tensor; the reference refuses this as InvalidOffset.
        var error = OpenInvalid("""{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[20,28]}}""", 28, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains("tensor 'b' has data_offsets [20, 28], leaving a hole of 4 unused bytes after the end of tensor 'a' [0, 16]: expected it to start at 16", error.Message);
    }

    [Fact]
    public void HoleBeforeTheFirstTensorIsRefusedNamingTheFile()
    {
        var error = OpenInvalid("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains("leaving a hole of 8 unused bytes after the start of the data section: expected it to start at 0", error.Message);
    }

    [Theory]
    [InlineData(Valid, 25, "the data section is 25 bytes but the last tensor 'b' ends at 24: 1 trailing bytes")]
    [InlineData(Valid, 4096, "the data section is 4096 bytes but the last tensor 'b' ends at 24: 4072 trailing bytes")]
    [InlineData("{}", 3, "the data section is 3 bytes but the header declares no tensor: 3 trailing bytes")]
    public void TrailingBytesAreRefusedNamingTheFile(string header, int dataLength, string expected)
    {
        var error = OpenInvalid(header, dataLength, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Contains("expected the file to end where the last tensor ends", error.Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, "the safetensors header declares 'a' twice")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"dtype":"I32"}}""", 8, "tensor 'a' declares 'dtype' twice")]
    [InlineData("""{"__metadata__":{"x":"1","x":"2"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "'__metadata__' declares 'x' twice")]
    [InlineData("""{"__metadata__":{},"__metadata__":{},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "the safetensors header declares '__metadata__' twice")]
    public void DuplicateKeysAreRefusedNamingTheFile(string header, int dataLength, string expected)
    {
        // Both tensors of the first case tile the data, so only the duplicate can be the reason.
        var error = OpenInvalid(header, dataLength, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void InvalidUtf8InAnUnreadFieldIsRefused()
    {
        var json = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"note":"xx"}}""");
        var at = Array.IndexOf(json, (byte)'x');
        json[at] = 0xC3;
        json[at + 1] = 0x28;
        var error = OpenInvalid(json, 8, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains($"the safetensors header is not valid UTF-8: byte {at} of the header (0xC3)", error.Message);
    }

    [Fact]
    public void ByteOrderMarkIsRefused()
    {
        var json = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""")).ToArray();
        var error = OpenInvalid(json, 8, out var path);
        Assert.Contains(path, error.Message);
        Assert.Contains("starts with a UTF-8 byte-order mark", error.Message);
    }

    [Fact]
    public void EmptyTensorsMayShareAnOffsetWithTheNextTensor()
    {
        using var directory = new TempDirectory();
        var path = directory.File("empty.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build("""{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 16));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["b", "e", "a"], file.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(100)]
    [InlineData(6000)]
    [InlineData(150000)]
    public void TruncatedFixtureIsRejected(int keep)
    {
        using var directory = new TempDirectory();
        var path = directory.File("truncated.safetensors");
        File.WriteAllBytes(path, File.ReadAllBytes(Fixtures.WanDiffusers("wan-tiny.weights.safetensors"))[..keep]);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void EveryFixtureFileOpensAndReads()
    {
        // Real diffusers/transformers-made files: the strict rules must not refuse what the reference writes.
        var files = Fixtures.All(".safetensors");
        Assert.True(files.Count >= 10, $"only {files.Count} fixture files found");
        foreach (var path in files)
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var key in file.Keys)
            {
                using var tensor = file.Read(key);
            }
        }
    }

    [Fact]
    public void MissingFileIsACheckpointError()
    {
        var error = Assert.Throws<CheckpointException>(() => CheckpointReader.Open("/nonexistent/dir/x.safetensors"));
        Assert.Contains("/nonexistent/dir/x.safetensors", error.Message);
    }

    private static CheckpointException OpenInvalid(string header, int dataLength, out string path) =>
        OpenInvalid(Encoding.UTF8.GetBytes(header), dataLength, out path);

    private static CheckpointException OpenInvalid(byte[] header, int dataLength, out string path)
    {
        using var directory = new TempDirectory();
        path = directory.File("bad.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(header, dataLength));
        var file = path;
        return Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(file).Dispose());
    }
}
