using RhymeFlow.Core;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// The state of one run while a plan is executed: every frame's latent, what the current group
/// needs (its start state, the velocity its non-keyframes jumped along, the recorded context), and
/// the solver. It keeps no step counter: each evaluation of the plan names its step, its frames and
/// what happens to each of them.
/// </summary>
/// <remarks>
/// <para>Long-lived tensors are held outside dispose scopes and replaced explicitly; each evaluation runs
/// in its own scope, so only what is kept survives it.</para>
/// <para>The ladder's arithmetic (the solver, the clean estimate, how non-keyframes follow their group) is the
/// <see cref="IPlanStepping"/>'s: σ-linear along the velocity on flow ladders, the DDIM transition on VP ladders.
/// Latents are held in the plan's layout (<see cref="PlanLayout"/>), one index of dimension 2 per plan frame.</para>
/// </remarks>
internal sealed class PlanExecution : IDisposable
{
    private readonly GuidedVelocity _model;
    private readonly IPlanStepping _stepping;
    private readonly PlanLayout _layout;
    private readonly SamplingLadder _ladder;
    private readonly ContextKind _contextKind;
    private readonly bool _keyframeEuler;
    private readonly Device _device;
    private Tensor _latents;
    private Tensor _latentView;
    private Tensor? _groupStart;
    private Tensor? _groupDirection;
    private Tensor? _lastFullVelocity;
    private int _lastFullEvaluation = -1;
    private int _lastFullStep = -1;
    private IVideoFrameContext? _context;

    /// <param name="model">The guided model; it takes and gives plan-layout tensors.</param>
    /// <param name="stepping">The ladder's arithmetic; the caller owns it.</param>
    /// <param name="layout">Latent frames per plan frame.</param>
    /// <param name="ladder">The run's timesteps.</param>
    /// <param name="initialLatents">[B, C, F, H, W], copied.</param>
    /// <param name="device">Where the latents live.</param>
    /// <param name="contextKind">How the recorded context is stored.</param>
    /// <param name="keyframeEuler">Whether keyframes take their own first-order step in keyframe-only evaluations.</param>
    public PlanExecution(GuidedVelocity model, IPlanStepping stepping, PlanLayout layout, SamplingLadder ladder, Tensor initialLatents, Device device, ContextKind contextKind, bool keyframeEuler)
    {
        _model = model;
        _stepping = stepping;
        _layout = layout;
        _ladder = ladder;
        _contextKind = contextKind;
        _keyframeEuler = keyframeEuler;
        _device = device;
        using (var scope = NewDisposeScope())
        {
            _latents = _layout.ToPlan(initialLatents.to(ScalarType.Float32, device, copy: true)).contiguous().DetachFromDisposeScope();
        }

        _latentView = LatentView(_latents);
    }

    /// <summary>Every clip's and frame's current latent [B, C, F, H, W], float32; owned by the execution.</summary>
    public Tensor Latents => _latentView;

    /// <summary>The same latents in the plan's layout [B, C, plan frames, pt · H, W]; owned by the execution.</summary>
    public Tensor PlanLatents => _latents;

    /// <summary>Sees each keyframe-only evaluation's projected clip (tests check it against the projection formula).</summary>
    internal Action<EvaluationView, Tensor>? ProjectedObserver { get; init; }

    /// <summary>The largest recorded context held so far, in bytes.</summary>
    public long PeakContextBytes { get; private set; }

    /// <summary>
    /// Runs one evaluation and applies its transitions. When <paramref name="estimateClean"/> is set
    /// (the keyframe selection point), returns the clean estimate x0 of every frame, in the plan's layout.
    /// </summary>
    public Tensor? Execute(EvaluationView evaluation, bool estimateClean)
    {
        using var scope = NewDisposeScope();
        var transitions = evaluation.Transitions;
        var input = _latents.alias();
        Tensor velocity;
        switch (evaluation.Kind)
        {
            case EvaluationKindView.Full:
                velocity = Full(evaluation, transitions);
                break;
            case EvaluationKindView.Active when estimateClean:
                throw new InvalidOperationException($"Keyframes are selected after a full evaluation; evaluation {evaluation.Index} is keyframe-only.");
            case EvaluationKindView.Active:
                Active(evaluation, transitions);
                return null;
            case EvaluationKindView.Correction:
                velocity = Correction(evaluation, transitions);
                break;
            default:
                throw new InvalidOperationException($"Evaluation {evaluation.Index} has an unknown kind {evaluation.Kind}.");
        }

        if (!estimateClean)
        {
            return null;
        }

        return _stepping.Clean(input, velocity, evaluation.SigmaIndex).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _context?.Dispose();
        DisposeLatents();
        _groupStart?.Dispose();
        _groupDirection?.Dispose();
        _lastFullVelocity?.Dispose();
    }

    private Tensor Full(EvaluationView evaluation, IReadOnlyList<FrameTransitionView> transitions)
    {
        var record = evaluation.RecordContextFrames;
        if (record.Count > 0)
        {
            // The previous group has ended; freeing its context first keeps one context resident, as the cost model assumes.
            _context?.Dispose();
            _context = null;
        }

        var (velocity, context) = _model.Full(evaluation.Step, _latents, Timesteps(evaluation), record, _contextKind);
        if (context is not null)
        {
            _context = context;
            PeakContextBytes = Math.Max(PeakContextBytes, context.SizeBytes);
        }

        var step = evaluation.Step;

        // FoCa's forecast and Heun correction read it (the prediction itself on a flow ladder).
        var fullVelocity = _stepping.Velocity(_latents, velocity, step);
        var next = _stepping.Step(step, _latents, velocity);
        var jumps = Enumerable.Range(0, transitions.Count).Where(f => transitions[f].Kind == TransitionKind.Jump).ToArray();
        if (jumps.Length == 0)
        {
            SetLatents(next);
        }
        else
        {
            var jump = transitions[jumps[0]];
            var direction = _stepping.Direction(_latents, Forecast(_latents, velocity, step, jump.Target, jump.ForecastFrom), step);
            var jumped = _stepping.Along(_latents, direction, step, jump.Target);
            var advance = FrameMask.Select(transitions.Select(t => t.Kind == TransitionKind.Advance).ToArray(), _device);
            Keep(ref _groupStart, _latents.alias());
            Keep(ref _groupDirection, direction);
            SetLatents(where(advance, next, jumped));
        }

        Keep(ref _lastFullVelocity, fullVelocity);
        _lastFullEvaluation = evaluation.Index;
        _lastFullStep = step;
        NumericalGuard.Check(
            evaluation,
            [new("velocity", velocity, evaluation.ComputedFrames), new("latent", _latents, [.. Enumerable.Range(0, transitions.Count)])]);
        return velocity;
    }

    private void Active(EvaluationView evaluation, IReadOnlyList<FrameTransitionView> transitions)
    {
        var groupStart = _groupStart ?? throw new InvalidOperationException(
            $"Evaluation {evaluation.Index} is keyframe-only but no full evaluation started its group.");
        var frames = evaluation.ComputedFrames;
        var indices = FrameMask.Indices(frames, _device);
        var all = Timesteps(evaluation);
        var timesteps = frames.Select(f => all[f]).ToArray();

        var groupDirection = _groupDirection ?? throw new InvalidOperationException(
            $"Evaluation {evaluation.Index} is keyframe-only but its group has no jump direction.");

        // Non-keyframes sit on their group's trajectory (flow: x_j = x_start + α·(x_end − x_start); VP: the DDIM update
        // from the group start). Frames the plan leaves idle (keyframes-only context) are placed there too for the
        // solver, so its multistep history stays on it.
        var projected = _stepping.Project(_latents, groupStart, groupDirection, _lastFullStep, evaluation.Step, transitions);
        var idle = transitions.Select(t => t.Kind == TransitionKind.Idle).ToArray();
        if (idle.Any(i => i))
        {
            var onTrajectory = _stepping.Along(groupStart, groupDirection, _lastFullStep, evaluation.Step);
            projected = where(FrameMask.Select(idle, _device), onTrajectory, projected);
        }

        ProjectedObserver?.Invoke(evaluation, projected);

        Tensor velocity;
        switch (evaluation.Context)
        {
            case ContextKind.ProjectedLatents:
                velocity = _model.Full(evaluation.Step, projected, all, [], _contextKind).Velocity.index_select(2, indices);
                break;
            case ContextKind.KeyframesOnly:
                velocity = _model.Active(evaluation.Step, _latents.index_select(2, indices), frames, timesteps, null);
                break;
            default:
                var context = _context ?? throw new InvalidOperationException(
                    $"Evaluation {evaluation.Index} needs the recorded context, but the group's full evaluation recorded none.");
                velocity = _model.Active(evaluation.Step, _latents.index_select(2, indices), frames, timesteps, context);
                break;
        }

        var step = evaluation.Step;

        // The solver sees the whole clip, so its multistep history stays consistent: fresh predictions
        // for the keyframes, the group's for the projected rest ("scheduler_approx").
        var solverVelocity = _stepping.OnTrajectory(groupDirection, projected, step).index_copy(2, indices, velocity);
        var next = _stepping.Step(step, projected, solverVelocity);
        var keyframes = _keyframeEuler
            ? _stepping.KeyframeStep(_latents.index_select(2, indices), velocity, step)
            : next.index_select(2, indices);
        SetLatents(_latents.index_copy(2, indices, keyframes));
        NumericalGuard.Check(evaluation, [new("velocity", velocity, frames), new("latent", keyframes, frames)]);
    }

    private Tensor Correction(EvaluationView evaluation, IReadOnlyList<FrameTransitionView> transitions)
    {
        var (velocity, _) = _model.Full(evaluation.Step, _latents, Timesteps(evaluation), [], _contextKind);
        NumericalGuard.Check(evaluation, [new("velocity", velocity, evaluation.ComputedFrames)]);
        var corrected = transitions.Select(t => t.Kind == TransitionKind.Correct).ToArray();
        var first = Array.IndexOf(corrected, true);
        if (first < 0)
        {
            return velocity;
        }

        var jumpEvaluation = transitions[first].JumpEvaluation;
        if (jumpEvaluation != _lastFullEvaluation || _groupStart is null)
        {
            throw new InvalidOperationException(
                $"Correction {evaluation.Index} refers to evaluation {jumpEvaluation}, but the last full evaluation was {_lastFullEvaluation}.");
        }

        var heun = _stepping.Heun(_groupStart, _lastFullVelocity!, _latents, velocity, _lastFullStep, evaluation.SigmaIndex[first]);
        SetLatents(where(FrameMask.Select(corrected, _device), heun, _latents));
        return velocity;
    }

    private Tensor Forecast(Tensor sample, Tensor velocity, int step, int target, int forecastFrom)
    {
        if (forecastFrom < 0)
        {
            return velocity.alias();
        }

        if (forecastFrom != _lastFullEvaluation || _lastFullVelocity is null)
        {
            throw new InvalidOperationException(
                $"The forecast at step {step} refers to evaluation {forecastFrom}, but the last full evaluation was {_lastFullEvaluation}.");
        }

        return _stepping.Forecast(sample, velocity, _lastFullVelocity, _lastFullStep, step, target);
    }

    /// <summary>Each frame's model timestep on the run's ladder (0 at the final sigma index).</summary>
    private double[] Timesteps(EvaluationView evaluation) => [.. evaluation.SigmaIndex.Select(_ladder.Timestep)];

    private void SetLatents(Tensor value)
    {
        var kept = value.DetachFromDisposeScope();
        DisposeLatents();
        _latents = kept;
        _latentView = LatentView(kept);
    }

    /// <summary>The latent-layout view of plan-layout latents, outside every dispose scope (the latents themselves when pt = 1).</summary>
    private Tensor LatentView(Tensor latents)
    {
        if (_layout.IsIdentity)
        {
            return latents;
        }

        using var scope = NewDisposeScope();
        return _layout.ToLatent(latents).DetachFromDisposeScope();
    }

    private void DisposeLatents()
    {
        if (!ReferenceEquals(_latentView, _latents))
        {
            _latentView.Dispose();
        }

        _latents.Dispose();
    }

    private static void Keep(ref Tensor? slot, Tensor value)
    {
        var kept = value.DetachFromDisposeScope();
        slot?.Dispose();
        slot = kept;
    }
}
