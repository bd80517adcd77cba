namespace RhymeFlow.Host.Media;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.</summary>
public sealed class RgbImage
{
    private readonly byte[] _pixels;

    /// <summary>A black image.</summary>
    public RgbImage(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        _pixels = new byte[checked(width * height * 3)];
    }

    /// <summary>An image holding a copy of <paramref name="pixels"/> (width x height x 3 bytes).</summary>
    public RgbImage(int width, int height, ReadOnlySpan<byte> pixels)
        : this(width, height)
    {
        if (pixels.Length != _pixels.Length)
        {
            throw new ArgumentException($"A {width}x{height} RGB image needs {_pixels.Length} bytes, but {pixels.Length} were given.", nameof(pixels));
        }

        pixels.CopyTo(_pixels);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The pixel bytes, writable.</summary>
    public Span<byte> Pixels => _pixels;

    public (byte R, byte G, byte B) GetPixel(int x, int y)
    {
        var i = Offset(x, y);
        return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
    }

    public void SetPixel(int x, int y, byte r, byte g, byte b)
    {
        var i = Offset(x, y);
        (_pixels[i], _pixels[i + 1], _pixels[i + 2]) = (r, g, b);
    }

    /// <summary>One frame of a clip: [-1,1] mapped to 0..255, clamped and rounded.</summary>
    public static RgbImage FromFrame(VideoClip clip, int frame)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if ((uint)frame >= (uint)clip.Frames)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), frame, $"The clip has frames 0..{clip.Frames - 1}.");
        }

        var image = new RgbImage(clip.Width, clip.Height);
        var values = clip.Values;
        for (var c = 0; c < VideoClip.Channels; c++)
        {
            for (var y = 0; y < clip.Height; y++)
            {
                for (var x = 0; x < clip.Width; x++)
                {
                    var v = (values[clip.Index(c, frame, y, x)] + 1) * 127.5f;
                    image._pixels[(((y * clip.Width) + x) * 3) + c] = (byte)Math.Clamp(MathF.Round(v), 0, 255);
                }
            }
        }

        return image;
    }

    /// <summary>Every pixel repeated <paramref name="factor"/> times each way (nearest neighbour), for viewing tiny clips.</summary>
    public RgbImage Upscale(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        if (factor == 1)
        {
            return new RgbImage(Width, Height, _pixels);
        }

        var result = new RgbImage(checked(Width * factor), checked(Height * factor));
        for (var y = 0; y < result.Height; y++)
        {
            for (var x = 0; x < result.Width; x++)
            {
                var (r, g, b) = GetPixel(x / factor, y / factor);
                result.SetPixel(x, y, r, g, b);
            }
        }

        return result;
    }

    private int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width}x{Height} image.");
        }

        return ((y * Width) + x) * 3;
    }
}
