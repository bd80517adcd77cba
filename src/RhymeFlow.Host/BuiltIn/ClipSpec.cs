namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// Everything that decides a procedural clip: one or two objects, the motion they share, its speed, and the
/// seed that fixes the background texture and the objects' start positions and sizes.
/// </summary>
/// <remarks>
/// For <see cref="Motion.Static"/> the speed does not apply and is stored as <see cref="Speed.Slow"/>, so that two
/// specs rendering the same caption compare equal. The two objects must differ in colour: the evaluator tells
/// objects apart by colour, and the captions could not say which of two red objects is which.
/// </remarks>
public sealed record ClipSpec
{
    public ClipSpec(ClipObject first, ClipObject? second, Motion motion, Speed speed, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(first);
        CheckObject(first, nameof(first));
        if (second is not null)
        {
            CheckObject(second, nameof(second));
            if (second.Colour == first.Colour)
            {
                throw new ArgumentException(
                    $"Both objects are {Palette.Name(first.Colour)} ('{first}' and '{second}'); the two objects of a clip must differ in colour.",
                    nameof(second));
            }
        }

        if (!Enum.IsDefined(motion))
        {
            throw new ArgumentOutOfRangeException(nameof(motion), motion, $"Expected one of {string.Join(", ", Enum.GetValues<Motion>())}.");
        }

        if (!Enum.IsDefined(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "Expected Slow or Fast.");
        }

        First = first;
        Second = second;
        Motion = motion;
        Speed = motion == Motion.Static ? Speed.Slow : speed;
        Seed = seed;
    }

    /// <summary>A one-object spec.</summary>
    public ClipSpec(ObjectColour colour, ShapeKind shape, Motion motion, Speed speed, long seed = 0)
        : this(new ClipObject(colour, shape), null, motion, speed, seed)
    {
    }

    public ClipObject First { get; }

    public ClipObject? Second { get; }

    public Motion Motion { get; }

    public Speed Speed { get; }

    /// <summary>Fixes the background texture and the objects' start positions, sizes and bounce timing.</summary>
    public long Seed { get; }

    /// <summary>The one or two objects, first first.</summary>
    public IReadOnlyList<ClipObject> Objects => Second is null ? [First] : [First, Second];

    /// <summary>The same content under another seed.</summary>
    public ClipSpec WithSeed(long seed) => new(First, Second, Motion, Speed, seed);

    /// <summary>The caption, then the seed.</summary>
    public override string ToString() => $"{Caption.Render(this)} (seed {Seed})";

    private static void CheckObject(ClipObject value, string name)
    {
        if (!Enum.IsDefined(value.Colour))
        {
            throw new ArgumentOutOfRangeException(name, value.Colour, $"Expected one of {string.Join(", ", Palette.Colours)}.");
        }

        if (!Enum.IsDefined(value.Shape))
        {
            throw new ArgumentOutOfRangeException(name, value.Shape, $"Expected one of {string.Join(", ", Enum.GetValues<ShapeKind>())}.");
        }
    }
}
