namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// SplitMix64 over a sequence of values: a stable hash (unlike <see cref="HashCode"/>, which is randomised per
/// process), so a seed gives the same split on every machine and every run.
/// </summary>
internal static class SeedMix
{
    public static ulong Mix(ulong seed, params ReadOnlySpan<ulong> values)
    {
        var state = Finalise(seed);
        foreach (var value in values)
        {
            state = Finalise(state ^ Finalise(value + 0x9E3779B97F4A7C15UL));
        }

        return state;
    }

    private static ulong Finalise(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
