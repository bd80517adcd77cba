namespace RhymeFlow.Host.Evaluation;

/// <summary>How many clips of a set got one attribute right, with a 95% Wilson score interval.</summary>
/// <param name="Correct">Clips judged right.</param>
/// <param name="Total">Clips judged.</param>
public sealed record AttributeAccuracy(int Correct, int Total)
{
    private const double Z95 = 1.959963984540054;

    /// <summary>The share judged right, in [0, 1]; NaN for an empty set.</summary>
    public double Rate => Total == 0 ? double.NaN : Correct / (double)Total;

    /// <summary>
    /// The 95% Wilson score interval of the rate. Wilson rather than the normal approximation because the rates of
    /// interest sit near 0 or 1 on 64 clips, where the normal interval leaves [0, 1] and undercovers.
    /// </summary>
    public (double Low, double High) Interval
    {
        get
        {
            if (Total == 0)
            {
                return (double.NaN, double.NaN);
            }

            var n = (double)Total;
            var p = Rate;
            var z2 = Z95 * Z95;
            var centre = (p + (z2 / (2 * n))) / (1 + (z2 / n));
            var half = Z95 * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))) / (1 + (z2 / n));
            return (Math.Max(0, centre - half), Math.Min(1, centre + half));
        }
    }

    /// <summary>Counts the clips for which <paramref name="isCorrect"/> holds.</summary>
    public static AttributeAccuracy Of<T>(IReadOnlyCollection<T> items, Func<T, bool> isCorrect)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(isCorrect);
        return new AttributeAccuracy(items.Count(isCorrect), items.Count);
    }

    /// <summary>"87.5% [77.2, 93.5]".</summary>
    public override string ToString()
    {
        var (low, high) = Interval;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{100 * Rate:F1}% [{100 * low:F1}, {100 * high:F1}]");
    }
}
