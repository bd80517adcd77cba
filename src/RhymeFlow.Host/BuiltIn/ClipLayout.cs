namespace RhymeFlow.Host.BuiltIn;

/// <summary>Plans each object's pose in every frame: sizes and start positions drawn from the seed, then the motion.</summary>
/// <remarks>
/// Start positions are chosen so that every object's box stays inside the frame (with a half-pixel margin) for the
/// whole clip, and two objects keep at least a pixel of background between their boxes in every frame: the
/// evaluator measures shapes from bounding boxes, which clipping or touching would spoil.
/// </remarks>
internal static class ClipLayout
{
    public const double SlowStep = 0.6;
    public const double FastStep = 1.4;
    public const double SlowGrowth = 0.12;
    public const double FastGrowth = 0.25;
    private const double Margin = 0.5;
    private const int MaxAttempts = 10_000;

    public static Pose[][] Plan(ClipSpec spec, SeededRandom random, int frames, int size)
    {
        var count = spec.Objects.Count;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var poses = new Pose[count][];
            for (var i = 0; i < count; i++)
            {
                poses[i] = PlanObject(spec.Motion, spec.Speed, count, random, frames, size);
            }

            if (count == 1 || Apart(poses[0], poses[1]))
            {
                return poses;
            }
        }

        throw new InvalidOperationException($"Could not place two separate objects for '{spec}' in {MaxAttempts} attempts.");
    }

    private static Pose[] PlanObject(Motion motion, Speed speed, int count, SeededRandom random, int frames, int size)
    {
        var last = frames - 1;
        var step = speed == Speed.Fast ? FastStep : SlowStep;
        var poses = new Pose[frames];
        var (minExtent, maxExtent) = count == 1 ? (3.5, 5.0) : (3.0, 4.5);
        switch (motion)
        {
            case Motion.Left or Motion.Right or Motion.Up or Motion.Down or Motion.Diagonal:
                {
                    var (ux, uy) = motion switch
                    {
                        Motion.Left => (-1.0, 0.0),
                        Motion.Right => (1.0, 0.0),
                        Motion.Up => (0.0, -1.0),
                        Motion.Down => (0.0, 1.0),
                        _ => (Math.Sqrt(0.5), Math.Sqrt(0.5)),
                    };
                    var s = random.Range(minExtent, maxExtent);
                    var (tx, ty) = (ux * step * last, uy * step * last);
                    var x0 = StartWithin(random, s, tx, size);
                    var y0 = StartWithin(random, s, ty, size);
                    for (var t = 0; t < frames; t++)
                    {
                        poses[t] = new Pose(x0 + (ux * step * t), y0 + (uy * step * t), s);
                    }

                    break;
                }

            case Motion.Static:
                {
                    var s = random.Range(minExtent, count == 1 ? 5.5 : maxExtent);
                    var x = StartWithin(random, s, 0, size);
                    var y = StartWithin(random, s, 0, size);
                    Array.Fill(poses, new Pose(x, y, s));
                    break;
                }

            case Motion.Bouncing:
                {
                    // A reflection somewhere in the middle of the clip, so that both legs are long enough to see.
                    var s = random.Range(minExtent, maxExtent);
                    var bounceAt = random.Range(4, last - 4);
                    var leftWall = random.NextBool();
                    var wall = leftWall ? Margin + s : size - Margin - s;
                    var away = leftWall ? 1.0 : -1.0;
                    var y = StartWithin(random, s, 0, size);
                    for (var t = 0; t < frames; t++)
                    {
                        poses[t] = new Pose(wall + (away * step * Math.Abs(t - bounceAt)), y, s);
                    }

                    break;
                }

            case Motion.Growing or Motion.Shrinking:
                {
                    var rate = speed == Speed.Fast ? FastGrowth : SlowGrowth;
                    var smallest = random.Range(2.5, 3.25);
                    var largest = smallest + (rate * last);
                    var x = StartWithin(random, largest, 0, size);
                    var y = StartWithin(random, largest, 0, size);
                    for (var t = 0; t < frames; t++)
                    {
                        var grown = motion == Motion.Growing ? t : last - t;
                        poses[t] = new Pose(x, y, smallest + (rate * grown));
                    }

                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(motion), motion, "Not a motion.");
        }

        return poses;
    }

    /// <summary>A start coordinate from which a box of half-extent <paramref name="s"/> travelling <paramref name="travel"/> stays in frame.</summary>
    private static double StartWithin(SeededRandom random, double s, double travel, int size)
    {
        var low = Margin + s - Math.Min(0, travel);
        var high = size - Margin - s - Math.Max(0, travel);
        return low >= high ? (low + high) / 2 : random.Range(low, high);
    }

    private static bool Apart(Pose[] a, Pose[] b)
    {
        for (var t = 0; t < a.Length; t++)
        {
            var gap = a[t].HalfExtent + b[t].HalfExtent + 1;
            if (Math.Abs(a[t].X - b[t].X) < gap && Math.Abs(a[t].Y - b[t].Y) < gap)
            {
                return false;
            }
        }

        return true;
    }
}
