using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Media;

public sealed class PngWriterTests
{
    [Fact]
    public void EndChunkHasThePngSpecificationsCrc()
    {
        // IEND is empty, so its CRC is a constant every PNG ends with: a check independent of the CRC code.
        var png = PngWriter.Encode(Gradient(3, 2));
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);
    }

    [Fact]
    public void WritesSignatureHeaderValidChunksAndThePixels()
    {
        var image = Gradient(37, 11);
        var png = PngWriter.Encode(image);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        var header = chunks[0].Data;
        Assert.Equal(37, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(11, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, header[8..]);
        Assert.Empty(chunks[2].Data);

        Assert.True(image.Pixels.SequenceEqual(Decode(chunks[1].Data, 37, 11)));
    }

    [Fact]
    public void WritesAtomicallyLeavingNoTemporaryFiles()
    {
        var directory = Directory.CreateTempSubdirectory("rhymeflow-png-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "image.png");
            PngWriter.Write(path, Gradient(4, 4));
            PngWriter.Write(path, Gradient(5, 3));
            Assert.Equal(PngWriter.Encode(Gradient(5, 3)), File.ReadAllBytes(path));
            Assert.Equal(["image.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    internal static RgbImage Gradient(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image.SetPixel(x, y, (byte)(x * 7), (byte)(y * 23), (byte)((x * y) ^ 0x5A));
            }
        }

        return image;
    }

    private static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[])>();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var typeAndData = png.AsSpan(offset + 4, 4 + length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(typeAndData), crc);
            chunks.Add((Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray()));
            offset += 12 + length;
        }

        return chunks;
    }

    /// <summary>Inflates and un-filters the scanlines (all five PNG filter types).</summary>
    private static byte[] Decode(byte[] idat, int width, int height)
    {
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(idat), CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), raw.Length);
        var pixels = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var type = raw[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                int a = i >= 3 ? pixels[(y * stride) + i - 3] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + i] : 0;
                int c = i >= 3 && y > 0 ? pixels[((y - 1) * stride) + i - 3] : 0;
                var p = a + b - c;
                var paeth = Math.Abs(p - a) <= Math.Abs(p - b) && Math.Abs(p - a) <= Math.Abs(p - c) ? a : Math.Abs(p - b) <= Math.Abs(p - c) ? b : c;
                var predicted = type switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, 4 => paeth, _ => throw new InvalidDataException($"filter {type}") };
                pixels[(y * stride) + i] = (byte)(raw[(y * (stride + 1)) + 1 + i] + predicted);
            }
        }

        return pixels;
    }
}
