using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Tests.Checkpoints;

/// <summary>The chunked paths used above 1 GiB, exercised with tiny chunks.</summary>
public sealed class TensorBytesTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 7)]
    [InlineData(ScalarType.BFloat16, 3)]
    [InlineData(ScalarType.Float64, 8)]
    public void ChunkedCreateAndWriteMatchTheSource(ScalarType type, long chunkBytes)
    {
        using var source = randn(5, 7).to(type);
        var expected = source.bytes.ToArray();

        using var stream = new MemoryStream();
        TensorBytes.WriteTo(source, stream, chunkBytes);
        Assert.Equal(expected, stream.ToArray());

        using var copy = TensorBytes.Create(expected, type, [5, 7], chunkBytes);
        Assert.Equal(expected, copy.bytes.ToArray());
    }
}
