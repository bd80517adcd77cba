using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// A flow-matching ODE solver over a fixed sigma ladder. The caller names the step on every call,
/// so the solver never keeps a hidden step counter; multistep solvers check that the steps they
/// are given are consecutive.
/// </summary>
public interface IFlowSolver : IDisposable
{
    /// <summary>The sigma ladder, sigma_0 &gt; ... &gt; sigma_N = 0.</summary>
    IReadOnlyList<double> Sigmas { get; }

    /// <summary>
    /// Advances <paramref name="sample"/> from step <paramref name="step"/> to step + 1 given the
    /// model's velocity at that step. Returns a new tensor owned by the caller's dispose scope; the
    /// inputs are not modified and may be disposed afterwards.
    /// </summary>
    Tensor Step(int step, Tensor sample, Tensor velocity);

    /// <summary>Forgets all history, for a new trajectory.</summary>
    void Reset();
}
