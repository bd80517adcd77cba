using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// A sampler for a v-predicting model on a <see cref="VpSchedule"/>. As with <see cref="IFlowSolver"/>, the caller
/// names the step on every call and the solver keeps no step counter of its own; a multistep solver checks that the
/// steps it is given are consecutive.
/// </summary>
public interface IVpSolver : IDisposable
{
    /// <summary>The schedule: timesteps to evaluate the model at, and ᾱ.</summary>
    VpSchedule Schedule { get; }

    /// <summary>
    /// Advances <paramref name="sample"/> from step <paramref name="step"/> to step + 1 given the model's
    /// v-prediction at <c>Schedule.Timesteps[step]</c>. Returns a new tensor in the sample's dtype, owned by the
    /// caller's dispose scope; the inputs are not modified.
    /// </summary>
    Tensor Step(int step, Tensor sample, Tensor prediction);

    /// <summary>Forgets all history, for a new trajectory.</summary>
    void Reset();
}
