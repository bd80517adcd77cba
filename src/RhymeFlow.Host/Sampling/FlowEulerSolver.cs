using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>First-order flow Euler: x_{i+1} = x_i + (sigma_{i+1} - sigma_i) v_i.</summary>
public sealed class FlowEulerSolver : IFlowSolver
{
    private readonly double[] _sigmas;

    public FlowEulerSolver(IReadOnlyList<double> sigmas)
    {
        _sigmas = SigmaLadder.Validate(sigmas);
    }

    public IReadOnlyList<double> Sigmas => _sigmas;

    public Tensor Step(int step, Tensor sample, Tensor velocity)
    {
        SigmaLadder.CheckStep(_sigmas, step);
        using var scope = NewDisposeScope();
        using var delta = (_sigmas[step + 1] - _sigmas[step]).ToScalar();
        var next = sample.add(velocity.to_type(sample.dtype), delta);
        return next.MoveToOuterDisposeScope();
    }

    public void Reset()
    {
    }

    public void Dispose()
    {
    }
}
