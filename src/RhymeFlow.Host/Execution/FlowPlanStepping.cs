using RhymeFlow.Core;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// A plan's stepping on a flow sigma ladder: the flow solver (Euler, UniPC), x0 = x − σ·v, and a group's non-keyframes
/// carried along the start's velocity (x_j = x_start + (σ_j − σ_start)·v, the plan's σ-linear projection weights).
/// </summary>
internal sealed class FlowPlanStepping(IFlowSolver solver, Device device) : IPlanStepping
{
    // Held for the process: an implicit Scalar (as in add(Tensor), alpha 1) is freed by the finalizer alone, possibly
    // while libtorch still reads it. Every other Scalar here is a local, disposed after the call that reads it.
    private static readonly Scalar One = 1;

    private readonly double[] _sigmas = [.. solver.Sigmas];

    public Tensor Step(int step, Tensor sample, Tensor prediction) => solver.Step(step, sample, prediction);

    public Tensor Clean(Tensor sample, Tensor prediction, IReadOnlyList<int> sigmaIndex)
    {
        var sigmas = FrameMask.Weights(sigmaIndex.Select(i => _sigmas[i]).ToArray(), device);
        return sample.sub(prediction.mul(sigmas));
    }

    public Tensor Direction(Tensor start, Tensor prediction, int step) => prediction;

    public Tensor Along(Tensor start, Tensor direction, int from, int to)
    {
        using var length = (_sigmas[to] - _sigmas[from]).ToScalar();
        return start.add(direction, length);
    }

    /// <summary>x_j = x_start + α·(x_end − x_start) with the plan's α of each projected frame.</summary>
    public Tensor Project(Tensor latents, Tensor groupStart, Tensor direction, int groupStep, int step, IReadOnlyList<FrameTransitionView> transitions)
    {
        var stayWeights = transitions.Select(t => t.Kind == TransitionKind.Projected ? 1 - t.Alpha : 0).ToArray();
        return latents.sub(latents.sub(groupStart).mul(FrameMask.Weights(stayWeights, device)));
    }

    /// <summary>The group velocity itself ("scheduler_approx").</summary>
    public Tensor OnTrajectory(Tensor direction, Tensor state, int step) => direction;

    public Tensor KeyframeStep(Tensor sample, Tensor prediction, int step)
    {
        using var length = (_sigmas[step + 1] - _sigmas[step]).ToScalar();
        return sample.add(prediction, length);
    }

    /// <summary>The prediction is the velocity.</summary>
    public Tensor Velocity(Tensor sample, Tensor prediction, int step) => prediction.alias();

    /// <summary>v̂ = v_i + (σ_end − σ_i)/2 · (v_i − v_p)/(σ_i − σ_p).</summary>
    public Tensor Forecast(Tensor sample, Tensor velocity, Tensor previousVelocity, int previousStep, int step, int target)
    {
        using var slope = ((_sigmas[target] - _sigmas[step]) / 2 / (_sigmas[step] - _sigmas[previousStep])).ToScalar();
        return velocity.add(velocity.sub(previousVelocity), slope);
    }

    /// <summary>Heun: x_end = x_start + (σ_end − σ_start)·(v_start + v_end)/2.</summary>
    public Tensor Heun(Tensor groupStart, Tensor startVelocity, Tensor endSample, Tensor endVelocity, int startStep, int endStep)
    {
        using var halfStep = ((_sigmas[endStep] - _sigmas[startStep]) / 2).ToScalar();
        return groupStart.add(startVelocity.add(endVelocity, One), halfStep);
    }

    public void Dispose() => solver.Dispose();
}
