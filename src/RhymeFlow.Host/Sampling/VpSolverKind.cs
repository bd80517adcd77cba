namespace RhymeFlow.Host.Sampling;

/// <summary>The samplers of a VP schedule.</summary>
public enum VpSolverKind
{
    /// <summary>CogVideoX's DDIM (eta 0), deterministic: <see cref="CogVideoXDdimSolver"/>.</summary>
    Ddim,

    /// <summary>CogVideoX's stochastic DPM-Solver++(2M): <see cref="CogVideoXDpmSolver"/>.</summary>
    Dpm,
}
