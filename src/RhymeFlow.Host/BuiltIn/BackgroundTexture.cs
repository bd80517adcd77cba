namespace RhymeFlow.Host.BuiltIn;

/// <summary>The dark, mildly textured, still background of a procedural clip.</summary>
/// <remarks>
/// A dark tint plus smooth value noise (a 5x5 lattice, smoothstep-interpolated) of at most ±0.035. Smooth rather
/// than per-pixel noise: it reads as texture, compresses well in PNG previews, and stays far below the 0.7 RGB
/// distance that separates every palette colour from it.
/// </remarks>
internal static class BackgroundTexture
{
    private const int Lattice = 5;

    /// <summary>RGB in [0,1], laid out [3, size, size].</summary>
    public static float[] Render(SeededRandom random, int size)
    {
        var baseLevel = random.Range(0.03, 0.09);
        var tint = new double[3];
        var amplitude = new double[3];
        for (var c = 0; c < 3; c++)
        {
            tint[c] = baseLevel + random.Range(0, 0.05);
            amplitude[c] = random.Range(0.015, 0.035);
        }

        var lattice = new double[Lattice, Lattice];
        for (var i = 0; i < Lattice; i++)
        {
            for (var j = 0; j < Lattice; j++)
            {
                lattice[i, j] = random.Range(-1, 1);
            }
        }

        var values = new float[3 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var noise = Sample(lattice, (y + 0.5) / size * (Lattice - 1), (x + 0.5) / size * (Lattice - 1));
                for (var c = 0; c < 3; c++)
                {
                    values[(((c * size) + y) * size) + x] = (float)Math.Clamp(tint[c] + (amplitude[c] * noise), 0, 1);
                }
            }
        }

        return values;
    }

    private static double Sample(double[,] lattice, double v, double u)
    {
        var i = Math.Min((int)v, Lattice - 2);
        var j = Math.Min((int)u, Lattice - 2);
        var fv = Smooth(v - i);
        var fu = Smooth(u - j);
        var top = lattice[i, j] + ((lattice[i, j + 1] - lattice[i, j]) * fu);
        var bottom = lattice[i + 1, j] + ((lattice[i + 1, j + 1] - lattice[i + 1, j]) * fu);
        return top + ((bottom - top) * fv);
    }

    private static double Smooth(double f) => f * f * (3 - (2 * f));
}
