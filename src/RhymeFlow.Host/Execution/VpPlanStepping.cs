using RhymeFlow.Core;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// A plan's stepping on a VP ladder (a v-predicting family such as CogVideoX): CogVideoX's DDIM or DPM solver, the
/// clean estimate x0 = √ᾱ x − √(1 − ᾱ) v, and a group's non-keyframes carried by the core's deterministic transition
/// (<see cref="PlanView.FromPrediction"/>): at step j, x_j = State·x_start + Denoised·x0_start, the DDIM update from
/// the group start along its x0 and ε. The jump to the group end is the same update to the end's level.
/// </summary>
/// <remarks>
/// The solver sees the executor's latent layout [B, C, F, H, W] (so does a DPM noise source). FoCa's forecast and
/// Heun correction are flow constructions and are refused before a run starts; their members here throw.
/// </remarks>
internal sealed class VpPlanStepping : IPlanStepping
{
    private readonly IVpSolver _solver;
    private readonly PlanView _plan;
    private readonly PlanLayout _layout;
    private readonly Device _device;

    /// <param name="solver">The solver; owned and disposed with the stepping.</param>
    /// <param name="plan">Any plan of the run (they share the ladder): the core's transition is read from it.</param>
    /// <param name="layout">The plan layout, to give the solver latent frames.</param>
    /// <param name="device">Where the latents live.</param>
    /// <exception cref="InvalidOperationException">The solver's timesteps are not the plan's (host and core disagree on the ladder).</exception>
    public VpPlanStepping(IVpSolver solver, PlanView plan, PlanLayout layout, Device device)
    {
        _solver = solver;
        _plan = plan;
        _layout = layout;
        _device = device;
        var schedule = solver.Schedule;
        if (schedule.Steps != plan.Steps || Enumerable.Range(0, plan.Steps).Any(i => schedule.Timesteps[i] != plan.Timesteps[i]))
        {
            throw new InvalidOperationException(
                $"The VP solver's {schedule.Steps} timesteps [{string.Join(", ", schedule.Timesteps)}] are not the plan's [{string.Join(", ", plan.Timesteps)}].");
        }
    }

    public Tensor Step(int step, Tensor sample, Tensor prediction)
    {
        using var scope = NewDisposeScope();
        var next = _solver.Step(step, _layout.ToLatent(sample), _layout.ToLatent(prediction));
        return _layout.ToPlan(next).MoveToOuterDisposeScope();
    }

    public Tensor Clean(Tensor sample, Tensor prediction, IReadOnlyList<int> sigmaIndex)
    {
        var alphas = sigmaIndex.Select(Alpha).ToArray();
        var signal = FrameMask.Weights(alphas.Select(Math.Sqrt).ToArray(), _device);
        var noise = FrameMask.Weights(alphas.Select(a => Math.Sqrt(1 - a)).ToArray(), _device);
        return sample.mul(signal).sub(prediction.mul(noise));
    }

    /// <summary>x0 of the group start, as the solver computes it.</summary>
    public Tensor Direction(Tensor start, Tensor prediction, int step) => VpPrediction.Original(start, prediction, Alpha(step));

    public Tensor Along(Tensor start, Tensor direction, int from, int to)
    {
        var update = _plan.FromPrediction(from, to);
        using var state = update.State.ToScalar();
        using var denoised = update.Denoised.ToScalar();
        return start.mul(state).add(direction, denoised);
    }

    public Tensor Project(Tensor latents, Tensor groupStart, Tensor direction, int groupStep, int step, IReadOnlyList<FrameTransitionView> transitions)
    {
        var projected = transitions.Select(t => t.Kind == TransitionKind.Projected).ToArray();
        return where(FrameMask.Select(projected, _device), Along(groupStart, direction, groupStep, step), latents);
    }

    /// <summary>
    /// The v that gives back the group's x0 at <paramref name="state"/>: v = (√ᾱ x − x0) / √(1 − ᾱ). A multistep
    /// solver's history (DPM's previous x0) then holds the group's x0 for the frames on its trajectory.
    /// </summary>
    public Tensor OnTrajectory(Tensor direction, Tensor state, int step)
    {
        var alpha = Alpha(step);
        var noise = Math.Sqrt(1 - alpha);
        using var stateWeight = (Math.Sqrt(alpha) / noise).ToScalar();
        using var originalWeight = (-1 / noise).ToScalar();
        return state.mul(stateWeight).add(direction, originalWeight);
    }

    /// <summary>The deterministic (DDIM) step along the keyframe's own fresh x0.</summary>
    public Tensor KeyframeStep(Tensor sample, Tensor prediction, int step)
    {
        using var scope = NewDisposeScope();
        return Along(sample, Direction(sample, prediction, step), step, step + 1).MoveToOuterDisposeScope();
    }

    public Tensor Forecast(Tensor velocity, Tensor previousVelocity, int previousStep, int step, int target) =>
        throw new NotSupportedException("FoCa's forecast is a flow-velocity construction; a VP ladder follows the DDIM transition.");

    public Tensor Heun(Tensor groupStart, Tensor startVelocity, Tensor endVelocity, int startStep, int endStep) =>
        throw new NotSupportedException("FoCa's Heun correction is a flow-velocity construction; a VP ladder follows the DDIM transition.");

    public void Dispose() => _solver.Dispose();

    /// <summary>ᾱ at the model timestep of sigma index <paramref name="index"/> (as the solver decomposes there).</summary>
    private double Alpha(int index) => _solver.Schedule.Alpha(index);
}
