using RhymeFlow.Host.Sampling;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// How a run of a v-predicting family (CogVideoX) steps its VP schedule (<see cref="Core.SolverKind.Ddim"/>):
/// CogVideoX's DDIM, deterministic (the default), or its DPM, which adds fresh noise at every step from a noise source.
/// Between full evaluations non-keyframes follow the DDIM transition either way.
/// </summary>
public sealed record VpSampler
{
    private VpSampler(VpSolverKind kind, INoiseSource? noise, long seed)
    {
        Kind = kind;
        Noise = noise;
        Seed = seed;
    }

    /// <summary>CogVideoX's DDIM (eta 0): deterministic.</summary>
    public static VpSampler Ddim { get; } = new(VpSolverKind.Ddim, null, 0);

    /// <summary>Which solver.</summary>
    public VpSolverKind Kind { get; }

    /// <summary>DPM's noise source, or null for a <see cref="SeededNoise"/> of <see cref="Seed"/>.</summary>
    public INoiseSource? Noise { get; }

    /// <summary>The seed of DPM's own noise when <see cref="Noise"/> is null.</summary>
    public long Seed { get; }

    /// <summary>CogVideoX's DPM with noise seeded by <paramref name="seed"/> (its own generator: repeatable, whatever else draws).</summary>
    public static VpSampler Dpm(long seed = 0) => new(VpSolverKind.Dpm, null, seed);

    /// <summary>CogVideoX's DPM with the noise of <paramref name="noise"/>, which the caller owns (a test's stored noise).</summary>
    public static VpSampler Dpm(INoiseSource noise) => new(VpSolverKind.Dpm, noise ?? throw new ArgumentNullException(nameof(noise)), 0);

    /// <summary>A fresh solver on <paramref name="schedule"/>; the caller disposes it.</summary>
    internal IVpSolver CreateSolver(VpSchedule schedule) => Kind switch
    {
        VpSolverKind.Ddim => new CogVideoXDdimSolver(schedule),
        VpSolverKind.Dpm when Noise is not null => new CogVideoXDpmSolver(schedule, Noise),
        VpSolverKind.Dpm => new CogVideoXDpmSolver(schedule, Seed),
        _ => throw new InvalidOperationException($"Unknown VP solver {Kind}."),
    };
}
