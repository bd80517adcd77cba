using RhymeFlow.Core;
using RhymeFlow.Host.Runtime;
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
/// <para>The other projection rules are the flow rules in the flow-equivalent coordinates x / s, s = √ᾱ + √(1 − ᾱ),
/// where DDIM is σ-linear: LinearTimestep and Frozen blend the group start and the jumped end with the core's weights
/// (<see cref="PlanView.Projected"/>); FoCa's forecast and Heun correction act on the flow-equivalent velocity ε̂ − x̂0
/// (<see cref="PlanView.Velocity"/>, <see cref="PlanView.ForecastSlope"/>, <see cref="PlanView.Heun"/>). LinearSigma
/// and FoCa's inner steps are the DDIM transition itself, along the (forecast) x0.</para>
/// <para>The solver sees the executor's latent layout [B, C, F, H, W] (so does a DPM noise source).</para>
/// </remarks>
internal sealed class VpPlanStepping : IPlanStepping
{
    private readonly IVpSolver _solver;
    private readonly PlanView _plan;
    private readonly PlanLayout _layout;
    private readonly Device _device;
    private readonly bool _alongTransition;

    /// <param name="solver">The solver; owned and disposed with the stepping.</param>
    /// <param name="plan">Any plan of the run (they share the ladder): the core's transition is read from it.</param>
    /// <param name="layout">The plan layout, to give the solver latent frames.</param>
    /// <param name="device">Where the latents live.</param>
    /// <param name="projection">The schedule's projection rule (the plan's).</param>
    /// <exception cref="InvalidOperationException">The solver's timesteps are not the plan's (host and core disagree on the ladder).</exception>
    public VpPlanStepping(IVpSolver solver, PlanView plan, PlanLayout layout, Device device, ProjectionKind projection)
    {
        _solver = solver;
        _plan = plan;
        _layout = layout;
        _device = device;
        _alongTransition = projection is ProjectionKind.LinearSigma or ProjectionKind.FoCa;
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

    /// <summary>
    /// LinearSigma and FoCa: the DDIM transition along the group's (forecast) x0, which is the σ-linear blend towards the
    /// jumped end. LinearTimestep and Frozen: x_j = StartWeight·x_start + EndWeight·x_end with the core's weights of each
    /// projected frame, <paramref name="latents"/> holding the jumped end x_end.
    /// </summary>
    public Tensor Project(Tensor latents, Tensor groupStart, Tensor direction, int groupStep, int step, IReadOnlyList<FrameTransitionView> transitions)
    {
        var projected = transitions.Select(t => t.Kind == TransitionKind.Projected).ToArray();
        using var mask = FrameMask.Select(projected, _device);
        if (_alongTransition)
        {
            return where(mask, Along(groupStart, direction, groupStep, step), latents);
        }

        using var scope = NewDisposeScope();
        var blends = transitions.Select(t => t.Kind == TransitionKind.Projected ? _plan.Projected(groupStep, t.GroupEnd, step) : new Blend(0, 1)).ToArray();
        var startWeights = FrameMask.Weights(blends.Select(b => b.StartWeight).ToArray(), _device);
        var endWeights = FrameMask.Weights(blends.Select(b => b.EndWeight).ToArray(), _device);
        return where(mask, groupStart.mul(startWeights).add(latents.mul(endWeights), Scalars.One), latents).MoveToOuterDisposeScope();
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

    /// <summary>v = ε̂ − x̂0 = OfState·x + OfPrediction·v_model, at ᾱ of the step's timestep.</summary>
    public Tensor Velocity(Tensor sample, Tensor prediction, int step)
    {
        var weights = _plan.Velocity(step);
        using var ofState = weights.OfState.ToScalar();
        using var ofPrediction = weights.OfPrediction.ToScalar();
        using var scope = NewDisposeScope();
        return sample.mul(ofState).add(prediction, ofPrediction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// v̂ = v_i + slope·(v_i − v_p) in flow-equivalent velocities, returned as the v-prediction with that velocity at
    /// the same state: v_model + slope/OfPrediction·(v_i − v_p).
    /// </summary>
    public Tensor Forecast(Tensor sample, Tensor prediction, Tensor previousVelocity, int previousStep, int step, int target)
    {
        using var scope = NewDisposeScope();
        using var weight = (_plan.ForecastSlope(previousStep, step, target) / _plan.Velocity(step).OfPrediction).ToScalar();
        var velocity = Velocity(sample, prediction, step);
        return prediction.add(velocity.sub(previousVelocity), weight).MoveToOuterDisposeScope();
    }

    /// <summary>x_end = (s_end/s_start)·x_start + s_end·(τ_end − τ_start)/2·(v_start + v_end), the flow-equivalent Heun step.</summary>
    public Tensor Heun(Tensor groupStart, Tensor startVelocity, Tensor endSample, Tensor endPrediction, int startStep, int endStep)
    {
        using var scope = NewDisposeScope();
        var step = _plan.Heun(startStep, endStep);
        using var startScale = step.StartScale.ToScalar();
        using var halfStep = step.HalfStep.ToScalar();
        var endVelocity = Velocity(endSample, endPrediction, endStep);
        return groupStart.mul(startScale).add(startVelocity.add(endVelocity, Scalars.One), halfStep).MoveToOuterDisposeScope();
    }

    public void Dispose() => _solver.Dispose();

    /// <summary>ᾱ at the model timestep of sigma index <paramref name="index"/> (as the solver decomposes there).</summary>
    private double Alpha(int index) => _solver.Schedule.Alpha(index);
}
