namespace RhymeFlow.Host.Sampling;

/// <summary>A sigma ladder with the model timestep of each step.</summary>
/// <param name="Sigmas">σ_0 &gt; … &gt; σ_N = 0 (N + 1 entries).</param>
/// <param name="Timesteps">The model's timestep at steps 0..N-1 (N entries).</param>
public sealed record SamplingLadder(IReadOnlyList<double> Sigmas, IReadOnlyList<double> Timesteps)
{
    /// <summary>The timestep of sigma index <paramref name="index"/>: 0 at the final index N.</summary>
    public double Timestep(int index) => index < Timesteps.Count ? Timesteps[index] : 0;
}
