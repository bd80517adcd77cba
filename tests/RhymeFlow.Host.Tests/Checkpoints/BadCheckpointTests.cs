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
    public void MissingFileIsACheckpointError()
    {
        var error = Assert.Throws<CheckpointException>(() => CheckpointReader.Open("/nonexistent/dir/x.safetensors"));
        Assert.Contains("/nonexistent/dir/x.safetensors", error.Message);
    }
}
