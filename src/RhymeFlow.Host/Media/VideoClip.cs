using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Media;

/// <summary>
/// A small RGB video on the CPU: float values in [-1,1] (the model's pixel range), laid out channel-major as
/// [3, frames, height, width] like one item of the pipeline's [B, 3, F, H, W] tensors.
/// </summary>
/// <remarks>Values are not clamped: a generated clip may overshoot, and consumers decide how to treat that.</remarks>
public sealed class VideoClip
{
    /// <summary>The number of colour channels (RGB).</summary>
    public const int Channels = 3;

    private readonly float[] _values;

    /// <summary>A clip holding a copy of <paramref name="values"/> ([3, frames, height, width], channel-major).</summary>
    public VideoClip(int frames, int height, int width, ReadOnlySpan<float> values)
        : this(values.ToArray(), frames, height, width)
    {
    }

    private VideoClip(float[] values, int frames, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var expected = (long)Channels * frames * height * width;
        if (values.Length != expected)
        {
            throw new ArgumentException(
                $"A 3x{frames}x{height}x{width} clip needs {expected} values, but {values.Length} were given.", nameof(values));
        }

        Frames = frames;
        Height = height;
        Width = width;
        _values = values;
    }

    public int Frames { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>All values, [3, frames, height, width] channel-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>One value in [-1,1] (unclamped).</summary>
    public float this[int channel, int frame, int y, int x] => _values[Index(channel, frame, y, x)];

    /// <summary>A float32 CPU tensor [3, frames, height, width] holding a copy of the values.</summary>
    public Tensor ToTensor() => torch.tensor(_values, [Channels, Frames, Height, Width], ScalarType.Float32);

    /// <summary>Reads a clip from a [3, F, H, W] or [1, 3, F, H, W] tensor of any float dtype on any device.</summary>
    public static VideoClip FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.shape;
        var isBatchOfOne = shape.Length == 5 && shape[0] == 1;
        if (!(shape.Length == 4 || isBatchOfOne) || shape[^4] != Channels)
        {
            throw new ArgumentException(
                $"Expected a clip tensor of shape [3, F, H, W] or [1, 3, F, H, W], but got [{string.Join(", ", shape)}].", nameof(tensor));
        }

        using var scope = torch.NewDisposeScope();
        var cpu = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
        return new VideoClip(cpu.data<float>().ToArray(), (int)shape[^3], (int)shape[^2], (int)shape[^1]);
    }

    /// <summary>Takes ownership of <paramref name="values"/> without copying.</summary>
    internal static VideoClip Wrap(int frames, int height, int width, float[] values) => new(values, frames, height, width);

    internal int Index(int channel, int frame, int y, int x) => (((((channel * Frames) + frame) * Height) + y) * Width) + x;
}
