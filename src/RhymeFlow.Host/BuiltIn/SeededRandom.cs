namespace RhymeFlow.Host.BuiltIn;

/// <summary>SplitMix64: a tiny generator whose sequence is fixed by its seed on every runtime.</summary>
/// <remarks>System.Random makes no promise that a seed gives the same numbers across .NET versions; the clips must.</remarks>
internal sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for one of many independent streams of a seed (e.g. clip index within a run).</summary>
    public static SeededRandom For(long seed, long stream) =>
        new(Mix(unchecked((ulong)seed) ^ Mix(unchecked((ulong)stream) + 0x632BE59BD9B4E019UL)));

    public ulong NextUInt64()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    /// <summary>Uniform in [0,1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Range(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Uniform in [0, count).</summary>
    public int Next(int count) => (int)(NextUInt64() % (ulong)count);

    public bool NextBool() => (NextUInt64() & 1) == 1;

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
