using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class SafetensorsWriterTests
{
    [Fact]
    public void RoundTripsEveryDtypeScalarsEmptyTensorsAndMetadata()
    {
        using var directory = new TempDirectory();
        var path = directory.File("all.safetensors");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f64"] = randn(2, 3, dtype: ScalarType.Float64),
            ["f32"] = randn(4, dtype: ScalarType.Float32),
            ["f16"] = randn(3, 2).to(ScalarType.Float16),
            ["bf16"] = randn(5).to(ScalarType.BFloat16),
            ["i64"] = tensor(new[] { long.MinValue, 0, long.MaxValue }),
            ["i32"] = tensor(new[] { int.MinValue, -1, int.MaxValue }),
            ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
            ["u8"] = tensor(new byte[] { 0, 1, 255 }),
            ["bool"] = tensor(new[] { true, false, true }),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros(0, 7),
            ["strided"] = randn(4, 6).t(),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };

        SafetensorsWriter.Write(path, tensors, metadata);

        var length = BitConverter.ToUInt64(File.ReadAllBytes(path).AsSpan(0, 8));
        Assert.Equal(0UL, (8 + length) % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), file.Keys);
        foreach (var (key, expected) in tensors)
        {
            using var actual = file.Read(key);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.contiguous().bytes.SequenceEqual(actual.bytes), key);
        }

        Assert.Equal([], file.GetInfo("scalar").Shape);
        Assert.Equal(0, file.GetInfo("empty").ByteLength);
    }

    [Fact]
    public void FailedWriteLeavesNoFileAndKeepsTheOldOne()
    {
        using var directory = new TempDirectory();
        var path = directory.File("out.safetensors");
        File.WriteAllText(path, "previous contents");
        var good = ones(3);
        var disposed = ones(2);
        disposed.Dispose();

        var error = Assert.Throws<CheckpointException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = good, ["b"] = disposed }));

        Assert.Contains(path, error.Message);
        Assert.Equal("previous contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
        good.Dispose();
    }

    [Fact]
    public void UnsupportedDtypeIsRefusedWithoutAFile()
    {
        using var directory = new TempDirectory();
        var path = directory.File("complex.safetensors");
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["c"] = complex }));

        Assert.Contains("'c'", error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }
}
