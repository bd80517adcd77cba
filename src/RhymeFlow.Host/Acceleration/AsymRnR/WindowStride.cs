using System.Globalization;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// The size of the windows that tile the (frame, row, column) token grid; each window gives one destination token.
/// Windows at the grid's edges may be smaller.
/// </summary>
public sealed record WindowStride
{
    public WindowStride(int frames, int rows, int cols)
    {
        if (frames < 1 || rows < 1 || cols < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(frames), $"Every window stride must be at least 1 (frames x rows x cols), got {frames}x{rows}x{cols}.");
        }

        Frames = frames;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>2 frames x 2 rows x 2 columns.</summary>
    public static WindowStride Default { get; } = new(2, 2, 2);

    public int Frames { get; }

    public int Rows { get; }

    public int Cols { get; }

    /// <summary>Reads <c>FxRxC</c>, e.g. <c>2x2x2</c>.</summary>
    public static WindowStride Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('x');
        var values = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1).ToArray();
        if (values.Length != 3 || values.Any(v => v < 1))
        {
            throw new FormatException($"A window stride is FxRxC with three integers >= 1 (e.g. 2x2x2), got '{text}'.");
        }

        return new WindowStride(values[0], values[1], values[2]);
    }

    public override string ToString() => $"{Frames}x{Rows}x{Cols}";
}
