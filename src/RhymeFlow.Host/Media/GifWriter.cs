using System.Text;

namespace RhymeFlow.Host.Media;

/// <summary>Writes animated GIF89a files that loop forever, without native dependencies.</summary>
/// <remarks>
/// One global 256-entry colour table for all frames (exact when the frames have at most 256 colours, median cut
/// otherwise; see <see cref="GifPalette"/>), every frame a full-size image with the same delay.
/// </remarks>
public static class GifWriter
{
    /// <summary>Writes frames to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Write(string path, IReadOnlyList<RgbImage> frames, int delayCentiseconds = 8)
    {
        var bytes = Encode(frames, delayCentiseconds);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes a clip's frames, each upscaled <paramref name="scale"/> times (nearest neighbour) for viewing.</summary>
    public static void Write(string path, VideoClip clip, int scale = 4, int delayCentiseconds = 8)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var frames = Enumerable.Range(0, clip.Frames).Select(f => RgbImage.FromFrame(clip, f).Upscale(scale)).ToArray();
        Write(path, frames, delayCentiseconds);
    }

    /// <summary>The complete GIF file. All frames must have the same size; the delay is in 1/100 s (0..65535).</summary>
    public static byte[] Encode(IReadOnlyList<RgbImage> frames, int delayCentiseconds = 8)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
        {
            throw new ArgumentException("Expected at least one frame, but the list is empty.", nameof(frames));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(delayCentiseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayCentiseconds, ushort.MaxValue);
        var (width, height) = (frames[0].Width, frames[0].Height);
        if (width > ushort.MaxValue || height > ushort.MaxValue)
        {
            throw new ArgumentException($"GIF frames are at most 65535 pixels a side, but these are {width}x{height}.", nameof(frames));
        }

        for (var i = 1; i < frames.Count; i++)
        {
            if (frames[i].Width != width || frames[i].Height != height)
            {
                throw new ArgumentException($"Frame {i} is {frames[i].Width}x{frames[i].Height}, but frame 0 is {width}x{height}; all must match.", nameof(frames));
            }
        }

        var palette = GifPalette.Build(frames);
        using var output = new MemoryStream();
        output.Write(Encoding.ASCII.GetBytes("GIF89a"));
        WriteUInt16(output, width);
        WriteUInt16(output, height);
        output.WriteByte(0xF7); // global colour table, 8 bits per channel, 2^(7+1) = 256 entries
        output.WriteByte(0); // background colour index
        output.WriteByte(0); // no aspect ratio
        for (var i = 0; i < GifPalette.Size; i++)
        {
            var entry = i < palette.Entries.Length ? palette.Entries[i] : 0;
            output.WriteByte((byte)(entry >> 16));
            output.WriteByte((byte)(entry >> 8));
            output.WriteByte((byte)entry);
        }

        // NETSCAPE2.0 application extension: loop count 0 = forever.
        output.Write([0x21, 0xFF, 0x0B]);
        output.Write(Encoding.ASCII.GetBytes("NETSCAPE2.0"));
        output.Write([0x03, 0x01, 0x00, 0x00, 0x00]);

        var indices = new byte[width * height];
        foreach (var frame in frames)
        {
            output.Write([0x21, 0xF9, 0x04, 0x04]); // graphic control: leave the frame in place, no transparency
            WriteUInt16(output, delayCentiseconds);
            output.Write([0x00, 0x00]);

            output.WriteByte(0x2C); // image descriptor
            WriteUInt16(output, 0);
            WriteUInt16(output, 0);
            WriteUInt16(output, width);
            WriteUInt16(output, height);
            output.WriteByte(0); // no local table, not interlaced

            var pixels = frame.Pixels;
            for (var p = 0; p < indices.Length; p++)
            {
                indices[p] = palette.IndexOf(pixels[3 * p], pixels[(3 * p) + 1], pixels[(3 * p) + 2]);
            }

            output.WriteByte(8); // LZW minimum code size
            var data = LzwEncoder.Encode(indices, 8);
            for (var offset = 0; offset < data.Length; offset += 255)
            {
                var length = Math.Min(255, data.Length - offset);
                output.WriteByte((byte)length);
                output.Write(data, offset, length);
            }

            output.WriteByte(0); // block terminator
        }

        output.WriteByte(0x3B); // trailer
        return output.ToArray();
    }

    private static void WriteUInt16(Stream output, int value)
    {
        output.WriteByte((byte)(value & 0xFF));
        output.WriteByte((byte)(value >> 8));
    }
}
