using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation;

/// <summary>Names an object's motion and speed from its track of centroids and sizes.</summary>
/// <remarks>
/// In order: a fitted half-extent change of at least 1 px means growing or shrinking (fast from 0.185 px/frame, between
/// the generator's 0.12 and 0.25); otherwise a mean centroid speed under 0.25 px/frame with under 2 px net displacement
/// means static; a net displacement under 70% of the path length means the path turned back (bouncing); otherwise
/// the direction of the net displacement, in 45° sectors, names the movement, and fast starts at 1 px/frame (between
/// 0.6 and 1.4). The generator's slowest bounce still ends at most 47% of its path from its start.
/// </remarks>
internal static class MotionClassifier
{
    private const double SizeChangeThreshold = 1.0;
    private const double FastGrowth = (ClipLayout.SlowGrowth + ClipLayout.FastGrowth) / 2;
    private const double StillSpeed = 0.25;
    private const double StillDisplacement = 2.0;
    private const double BounceRatio = 0.7;
    private const double FastStep = 1.0;

    public static (Motion? Motion, Speed Speed, double Dx, double Dy, double Path, double SizeChange) Classify(IReadOnlyList<ObjectFrame> track)
    {
        if (track.Count < 2)
        {
            return (null, Speed.Slow, 0, 0, 0, 0);
        }

        var span = track[^1].Frame - track[0].Frame;
        var slope = Slope(track);
        var sizeChange = slope * span;
        double path = 0;
        for (var i = 1; i < track.Count; i++)
        {
            path += Math.Sqrt(Square(track[i].X - track[i - 1].X) + Square(track[i].Y - track[i - 1].Y));
        }

        var (dx, dy) = (track[^1].X - track[0].X, track[^1].Y - track[0].Y);
        var displacement = Math.Sqrt((dx * dx) + (dy * dy));
        if (Math.Abs(sizeChange) >= SizeChangeThreshold)
        {
            var motion = sizeChange > 0 ? Motion.Growing : Motion.Shrinking;
            return (motion, Math.Abs(slope) >= FastGrowth ? Speed.Fast : Speed.Slow, dx, dy, path, sizeChange);
        }

        var speed = path / span;
        if (speed < StillSpeed && displacement < StillDisplacement)
        {
            return (Motion.Static, Speed.Slow, dx, dy, path, sizeChange);
        }

        var pace = speed >= FastStep ? Speed.Fast : Speed.Slow;
        if (displacement < BounceRatio * path)
        {
            return (Motion.Bouncing, pace, dx, dy, path, sizeChange);
        }

        // Image y grows downwards, so +90° is "down" and +45° is the generator's diagonal (down-right).
        var angle = Math.Atan2(dy, dx) * 180 / Math.PI;
        Motion? direction = angle switch
        {
            >= -22.5 and < 22.5 => Motion.Right,
            >= 22.5 and < 67.5 => Motion.Diagonal,
            >= 67.5 and < 112.5 => Motion.Down,
            >= -112.5 and < -67.5 => Motion.Up,
            >= 157.5 or < -157.5 => Motion.Left,
            _ => null,
        };
        return (direction, pace, dx, dy, path, sizeChange);
    }

    /// <summary>Least-squares slope of half-extent against frame index.</summary>
    private static double Slope(IReadOnlyList<ObjectFrame> track)
    {
        var meanT = track.Average(f => (double)f.Frame);
        var meanS = track.Average(f => f.HalfExtent);
        double num = 0, den = 0;
        foreach (var f in track)
        {
            num += (f.Frame - meanT) * (f.HalfExtent - meanS);
            den += Square(f.Frame - meanT);
        }

        return den > 0 ? num / den : 0;
    }

    private static double Square(double v) => v * v;
}
