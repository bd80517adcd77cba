namespace RhymeFlow.Host.BuiltIn;

/// <summary>How much of each pixel a shape covers, by 4x4 supersampling (anti-aliased edges in steps of 1/16).</summary>
internal static class ShapeCoverage
{
    private const int Samples = 4;

    /// <summary>Coverage in [0,1] of pixel (x, y) — the square [x, x+1) x [y, y+1) — by the shape at <paramref name="pose"/>.</summary>
    public static float Of(ShapeKind shape, Pose pose, int x, int y)
    {
        var inside = 0;
        for (var sy = 0; sy < Samples; sy++)
        {
            var dy = y + ((sy + 0.5) / Samples) - pose.Y;
            for (var sx = 0; sx < Samples; sx++)
            {
                var dx = x + ((sx + 0.5) / Samples) - pose.X;
                if (Contains(shape, dx, dy, pose.HalfExtent))
                {
                    inside++;
                }
            }
        }

        return inside / (float)(Samples * Samples);
    }

    private static bool Contains(ShapeKind shape, double dx, double dy, double s) => shape switch
    {
        ShapeKind.Circle => (dx * dx) + (dy * dy) <= s * s,
        ShapeKind.Square => Math.Abs(dx) <= s && Math.Abs(dy) <= s,

        // Apex at the top centre, base along the bottom edge: the half-width grows from 0 to s going down.
        ShapeKind.Triangle => dy >= -s && dy <= s && Math.Abs(dx) <= (dy + s) / 2,
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Not a shape."),
    };
}
