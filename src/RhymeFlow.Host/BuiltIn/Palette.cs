namespace RhymeFlow.Host.BuiltIn;

/// <summary>The RGB values (in [0,1]) of the six object colours.</summary>
/// <remarks>
/// Every colour is bright and saturated, so that it sits far (≥ 0.7 in RGB distance) from the dark backgrounds,
/// and the closest pair (blue and cyan) is still 0.65 apart, so a nearest-entry classifier has a wide margin.
/// </remarks>
public static class Palette
{
    private static readonly (float R, float G, float B)[] Values =
    [
        (0.95f, 0.15f, 0.15f), // red
        (0.15f, 0.85f, 0.20f), // green
        (0.15f, 0.25f, 1.00f), // blue
        (0.95f, 0.90f, 0.15f), // yellow
        (0.90f, 0.20f, 0.90f), // magenta
        (0.15f, 0.90f, 0.95f), // cyan
    ];

    /// <summary>All colours, in enum order.</summary>
    public static IReadOnlyList<ObjectColour> Colours { get; } = Enum.GetValues<ObjectColour>();

    /// <summary>The colour's RGB value in [0,1].</summary>
    public static (float R, float G, float B) Rgb(ObjectColour colour) =>
        Enum.IsDefined(colour)
            ? Values[(int)colour]
            : throw new ArgumentOutOfRangeException(nameof(colour), colour, $"Expected one of {string.Join(", ", Colours)}.");

    /// <summary>The lower-case caption word for the colour.</summary>
    public static string Name(ObjectColour colour) => colour.ToString().ToLowerInvariant();

    /// <summary>The palette entry nearest (Euclidean, RGB in [0,1]) to the given colour.</summary>
    public static ObjectColour Nearest(float r, float g, float b)
    {
        var best = ObjectColour.Red;
        var bestDistance = float.PositiveInfinity;
        foreach (var colour in Colours)
        {
            var (pr, pg, pb) = Values[(int)colour];
            var distance = ((r - pr) * (r - pr)) + ((g - pg) * (g - pg)) + ((b - pb) * (b - pb));
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = colour;
            }
        }

        return best;
    }
}
