namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// Draws training specs uniformly over the grammar (motion, speed, one or two objects, colours, shapes), rejecting
/// any that touches a held-out combination (<see cref="HeldOutCaptions.Touches"/>), so no evaluation caption is seen.
/// </summary>
/// <remarks>
/// Counter-based: <see cref="Sample"/> depends only on the sampler's seed and the index, so a resumed or parallel
/// trainer gets the same spec for the same step without replaying earlier draws.
/// </remarks>
public sealed class TrainingSampler(long seed)
{
    public long Seed { get; } = seed;

    /// <summary>The spec for <paramref name="index"/> (e.g. the global sample number), with its own clip seed.</summary>
    public ClipSpec Sample(long index)
    {
        var random = SeededRandom.For(Seed, index);
        var motions = Enum.GetValues<Motion>();
        var colours = Palette.Colours.Count;
        while (true)
        {
            var motion = motions[random.Next(motions.Length)];
            var speed = random.NextBool() ? Speed.Fast : Speed.Slow;
            var first = new ClipObject((ObjectColour)random.Next(colours), (ShapeKind)random.Next(3));
            ClipObject? second = null;
            if (random.NextBool())
            {
                var colour = (ObjectColour)(((int)first.Colour + 1 + random.Next(colours - 1)) % colours);
                second = new ClipObject(colour, (ShapeKind)random.Next(3));
            }

            var spec = new ClipSpec(first, second, motion, speed, unchecked((long)random.NextUInt64()));
            if (!HeldOutCaptions.Touches(spec))
            {
                return spec;
            }
        }
    }

    /// <summary>Specs for indices <paramref name="start"/> .. start + count - 1.</summary>
    public IReadOnlyList<ClipSpec> SampleBatch(long start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Enumerable.Range(0, count).Select(i => Sample(start + i)).ToArray();
    }
}
