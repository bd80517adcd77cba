namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The 64 fixed evaluation clips of the built-in model: captions (as specs, with fixed seeds) that each contain
/// at least one held-out (colour, shape, motion) combination, which <see cref="TrainingSampler"/> never produces.
/// </summary>
/// <remarks>
/// Two combinations are held out per motion (18 of the 162), spread so that every colour and every shape is held out
/// somewhere, yet each colour, shape and motion is still seen in training with other partners. The 64 specs are the
/// 34 one-object captions of those combinations (both speeds; static has one) and 30 two-object captions pairing
/// a held-out combination with another object (no caption repeats). Everything here is computed from constants: it never changes.
/// </remarks>
public static class HeldOutCaptions
{
    public const int Count = 64;
    private const long SeedBase = 900_000;

    /// <summary>The 18 held-out combinations.</summary>
    public static IReadOnlyList<HeldOutCombination> Combinations { get; } = BuildCombinations();

    /// <summary>The 64 evaluation specs, each with its fixed seed.</summary>
    public static IReadOnlyList<ClipSpec> Specs { get; } = BuildSpecs();

    /// <summary>The 64 captions, in the order of <see cref="Specs"/>.</summary>
    public static IReadOnlyList<string> Captions { get; } = Specs.Select(Caption.Render).ToArray();

    private static readonly HashSet<HeldOutCombination> CombinationSet = [.. Combinations];

    /// <summary>Whether any object of <paramref name="spec"/> forms a held-out combination with the clip's motion.</summary>
    public static bool Touches(ClipSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Objects.Any(o => CombinationSet.Contains(new HeldOutCombination(o.Colour, o.Shape, spec.Motion)));
    }

    private static HeldOutCombination[] BuildCombinations()
    {
        var shapes = Enum.GetValues<ShapeKind>().Length;
        var colours = Palette.Colours.Count;
        return Enum.GetValues<Motion>()
            .SelectMany(motion => new[] { 0, 1 }.Select(k => new HeldOutCombination(
                (ObjectColour)(((2 * (int)motion) + (3 * k)) % colours),
                (ShapeKind)(((int)motion + k) % shapes),
                motion)))
            .ToArray();
    }

    private static ClipSpec[] BuildSpecs()
    {
        var specs = new List<ClipSpec>(Count);
        foreach (var held in Combinations)
        {
            foreach (var speed in held.Motion == Motion.Static ? [Speed.Slow] : new[] { Speed.Slow, Speed.Fast })
            {
                specs.Add(new ClipSpec(held.Colour, held.Shape, held.Motion, speed, SeedBase + specs.Count));
            }
        }

        var random = SeededRandom.For(SeedBase, 2);
        for (var j = 0; specs.Count < Count; j++)
        {
            var held = Combinations[j % Combinations.Count];
            var heldObject = new ClipObject(held.Colour, held.Shape);
            var otherColour = (ObjectColour)(((int)held.Colour + 1 + random.Next(Palette.Colours.Count - 1)) % Palette.Colours.Count);
            var other = new ClipObject(otherColour, (ShapeKind)random.Next(3));
            var speed = random.NextBool() ? Speed.Fast : Speed.Slow;
            var (first, second) = random.NextBool() ? (heldObject, other) : (other, heldObject);
            var spec = new ClipSpec(first, second, held.Motion, speed, SeedBase + specs.Count);
            if (!specs.Any(s => s.WithSeed(0) == spec.WithSeed(0)))
            {
                specs.Add(spec);
            }
        }

        return [.. specs];
    }
}
