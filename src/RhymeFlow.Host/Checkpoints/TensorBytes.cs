using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Raw byte copies between memory and CPU tensors. <see cref="Tensor.bytes"/> is limited to spans
/// under 2 GiB, so larger tensors go through 1-D slices of at most <see cref="ChunkBytes"/> each.
/// </summary>
internal static class TensorBytes
{
    internal const long ChunkBytes = 1L << 30;

    /// <summary>Creates a CPU tensor of <paramref name="type"/> holding a copy of <paramref name="source"/>.</summary>
    public static unsafe Tensor Create(ReadOnlySpan<byte> source, ScalarType type, long[] shape, long chunkBytes = ChunkBytes)
    {
        fixed (byte* pointer = source)
        {
            return Create(pointer, source.Length, type, shape, chunkBytes);
        }
    }

    /// <summary>Creates a CPU tensor of <paramref name="type"/> holding exactly the bytes at <paramref name="source"/>.</summary>
    public static unsafe Tensor Create(byte* source, long length, ScalarType type, long[] shape, long chunkBytes = ChunkBytes)
    {
        var tensor = empty(shape, type);
        try
        {
            Fill(tensor, source, length, chunkBytes);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static unsafe void Fill(Tensor tensor, byte* source, long length, long chunkBytes)
    {
        if (length == 0)
        {
            return;
        }

        if (length <= chunkBytes)
        {
            new ReadOnlySpan<byte>(source, (int)length).CopyTo(tensor.bytes);
            return;
        }

        using var scope = NewDisposeScope();
        var flat = tensor.view(-1);
        var perChunk = Math.Max(1, chunkBytes / tensor.element_size());
        for (long start = 0; start < flat.shape[0]; start += perChunk)
        {
            var part = flat.narrow(0, start, Math.Min(perChunk, flat.shape[0] - start));
            var target = part.bytes;
            new ReadOnlySpan<byte>(source + (start * tensor.element_size()), target.Length).CopyTo(target);
        }
    }

    /// <summary>Writes the raw bytes of a contiguous CPU tensor to <paramref name="stream"/>.</summary>
    public static void WriteTo(Tensor tensor, Stream stream, long chunkBytes = ChunkBytes)
    {
        var length = tensor.numel() * tensor.element_size();
        if (length == 0)
        {
            return;
        }

        if (length <= chunkBytes)
        {
            stream.Write(tensor.bytes);
            return;
        }

        using var scope = NewDisposeScope();
        var flat = tensor.view(-1);
        var perChunk = Math.Max(1, chunkBytes / tensor.element_size());
        for (long start = 0; start < flat.shape[0]; start += perChunk)
        {
            stream.Write(flat.narrow(0, start, Math.Min(perChunk, flat.shape[0] - start)).bytes);
        }
    }
}
