using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Writes tensors as a safetensors file: an 8-byte little-endian header length, a JSON header padded
/// with spaces to a multiple of 8 bytes, then the raw data in key order. The file appears atomically:
/// it is written to a temporary file in the same directory and renamed over the target when complete.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (any device, any layout) and optional <paramref name="metadata"/> to <paramref name="path"/>, creating its folder if needed.</summary>
    /// <exception cref="CheckpointException">A tensor has an unsupported dtype or cannot be read; no file is left behind.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                var keys = tensors.Keys.Order(StringComparer.Ordinal).ToList();
                var header = BuildHeader(fullPath, keys, tensors, metadata);
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var key in keys)
                {
                    WriteData(fullPath, key, tensors[key], stream);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is CheckpointException)
            {
                throw;
            }

            throw new CheckpointException($"{fullPath}: could not write the safetensors file: {e.Message}", e);
        }
    }

    private static byte[] BuildHeader(string path, IReadOnlyList<string> keys, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (name, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var key in keys)
            {
                var tensor = tensors[key] ?? throw new CheckpointException($"{path}: tensor '{key}' is null.");
                if (!SafetensorsDType.TryGetName(tensor.dtype, out var dtype, out var size))
                {
                    throw new CheckpointException($"{path}: tensor '{key}' has dtype {tensor.dtype}, which safetensors writing does not support (known: {SafetensorsDType.KnownNames}).");
                }

                var length = checked(tensor.numel() * size);
                json.WriteStartObject(key);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }

            json.WriteEndObject();
        }

        // Padding keeps the data section 8-byte aligned, as the reference implementation does.
        var padded = (buffer.Length + 7) / 8 * 8;
        while (buffer.Length < padded)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void WriteData(string path, string key, Tensor tensor, Stream stream)
    {
        // Copies made here (to the CPU, to contiguous) belong to the scope; the caller's tensor does not.
        using var scope = NewDisposeScope();
        var cpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        var contiguous = cpu.is_contiguous() ? cpu : cpu.contiguous();
        try
        {
            TensorBytes.WriteTo(contiguous, stream);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new CheckpointException($"{path}: could not read the data of tensor '{key}' ({tensor.dtype}): {e.Message}", e);
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error matters more than a leftover temporary file.
        }
    }
}
