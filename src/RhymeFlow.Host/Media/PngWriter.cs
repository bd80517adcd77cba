using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace RhymeFlow.Host.Media;

/// <summary>Writes 8-bit RGB PNG files without native dependencies (zlib from System.IO.Compression).</summary>
public static class PngWriter
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Write(string path, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bytes = Encode(image);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The complete PNG file for <paramref name="image"/>.</summary>
    public static byte[] Encode(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR", header);
        WriteChunk(output, "IDAT", Compress(image));
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static byte[] Compress(RgbImage image)
    {
        var stride = image.Width * 3;
        var pixels = image.Pixels;
        var filtered = new byte[image.Height * (stride + 1)];
        var candidate = new byte[stride];
        var best = new byte[stride];
        for (var y = 0; y < image.Height; y++)
        {
            var row = pixels.Slice(y * stride, stride);
            var above = y > 0 ? pixels.Slice((y - 1) * stride, stride) : default;
            long bestCost = long.MaxValue;
            byte bestType = 0;

            // The usual heuristic: pick the filter whose output has the smallest sum of |signed bytes|.
            for (byte type = 0; type <= 4; type++)
            {
                long cost = 0;
                for (var i = 0; i < stride; i++)
                {
                    var a = i >= 3 ? row[i - 3] : 0;
                    var b = y > 0 ? above[i] : 0;
                    var c = i >= 3 && y > 0 ? above[i - 3] : 0;
                    var predicted = type switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        _ => Paeth(a, b, c),
                    };
                    candidate[i] = unchecked((byte)(row[i] - predicted));
                    cost += Math.Abs((int)(sbyte)candidate[i]);
                }

                if (cost < bestCost)
                {
                    bestCost = cost;
                    bestType = type;
                    candidate.CopyTo(best, 0);
                }
            }

            filtered[y * (stride + 1)] = bestType;
            best.CopyTo(filtered, (y * (stride + 1)) + 1);
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(filtered);
        }

        return compressed.ToArray();
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        output.Write(word);
    }
}
