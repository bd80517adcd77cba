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
/// Long-lived tensors are held outside dispose scopes and replaced explicitly; each evaluation runs
/// in its own scope, so only what is kept survives it.
/// </remarks>
internal sealed class PlanExecution : IDisposable
{
    // Held for the process: an implicit Scalar (as in add(Tensor), alpha 1) is freed by the finalizer alone, possibly
    // while libtorch still reads it. Every other Scalar here is a local, disposed after the call that reads it.
    private static readonly Scalar One = 1;

    private readonly GuidedVelocity _model;
    private readonly IFlowSolver _solver;
    private readonly double[] _sigmas;
    private readonly SamplingLadder _ladder;
    private readonly ContextKind _contextKind;
    private readonly bool _keyframeEuler;
    private readonly Device _device;
    private Tensor _latents;
    private Tensor? _groupStart;
    private Tensor? _groupVelocity;
    private Tensor? _lastFullVelocity;
    private int _lastFullEvaluation = -1;
    private int _lastFullStep = -1;
    private IVideoFrameContext? _context;

    public PlanExecution(GuidedVelocity model, IFlowSolver solver, SamplingLadder ladder, Tensor initialLatents, Device device, ContextKind contextKind, bool keyframeEuler)
    {
        _model = model;
        _solver = solver;
        _sigmas = solver.Sigmas.ToArray();
        _ladder = ladder;
        _contextKind = contextKind;
        _keyframeEuler = keyframeEuler;
        _device = device;
        _latents = initialLatents.to(ScalarType.Float32, device, copy: true).DetachFromDisposeScope();
    }

    /// <summary>Every clip's and frame's current latent [B, C, F, H, W], float32; owned by the execution.</summary>
    public Tensor Latents => _latents;

    /// <summary>Sees each keyframe-only evaluation's projected clip (tests check it against the projection formula).</summary>
    internal Action<EvaluationView, Tensor>? ProjectedObserver { get; init; }

    /// <summary>The largest recorded context held so far, in bytes.</summary>
    public long PeakContextBytes { get; private set; }

    /// <summary>
    /// Runs one evaluation and applies its transitions. When <paramref name="estimateClean"/> is set
    /// (the keyframe selection point), returns the clean estimate x0 = x − σ·v of every frame.
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

        var sigmas = FrameMask.Weights(evaluation.SigmaIndex.Select(i => _sigmas[i]).ToArray(), _device);
        return input.sub(velocity.mul(sigmas)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _context?.Dispose();
        _latents.Dispose();
        _groupStart?.Dispose();
        _groupVelocity?.Dispose();
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
        var next = _solver.Step(step, _latents, velocity);
        var jumps = Enumerable.Range(0, transitions.Count).Where(f => transitions[f].Kind == TransitionKind.Jump).ToArray();
        if (jumps.Length == 0)
        {
            SetLatents(next);
        }
        else
        {
            var jump = transitions[jumps[0]];
            var jumpVelocity = Forecast(velocity, step, jump.Target, jump.ForecastFrom);
            using var jumpLength = (_sigmas[jump.Target] - _sigmas[step]).ToScalar();
            var jumped = _latents.add(jumpVelocity, jumpLength);
            var advance = FrameMask.Select(transitions.Select(t => t.Kind == TransitionKind.Advance).ToArray(), _device);
            Keep(ref _groupStart, _latents.alias());
            Keep(ref _groupVelocity, jumpVelocity);
            SetLatents(where(advance, next, jumped));
        }

        Keep(ref _lastFullVelocity, velocity.alias());
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

        var groupVelocity = _groupVelocity ?? throw new InvalidOperationException(
            $"Evaluation {evaluation.Index} is keyframe-only but its group has no jump velocity.");

        // Non-keyframes sit on their group's trajectory: x_j = x_start + α·(x_end − x_start). Frames the plan leaves
        // idle (keyframes-only context) are placed there too for the solver, so its multistep history stays on it.
        var stayWeights = transitions.Select(t => t.Kind == TransitionKind.Projected ? 1 - t.Alpha : 0).ToArray();
        var projected = _latents.sub(_latents.sub(groupStart).mul(FrameMask.Weights(stayWeights, _device)));
        var idle = transitions.Select(t => t.Kind == TransitionKind.Idle).ToArray();
        if (idle.Any(i => i))
        {
            using var travelled = (_sigmas[evaluation.Step] - _sigmas[_lastFullStep]).ToScalar();
            var onTrajectory = groupStart.add(groupVelocity, travelled);
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
        using var keyframeStep = (_sigmas[step + 1] - _sigmas[step]).ToScalar();

        // The solver sees the whole clip, so its multistep history stays consistent: fresh velocities
        // for the keyframes, the group velocity for the projected rest ("scheduler_approx").
        var solverVelocity = groupVelocity.index_copy(2, indices, velocity);
        var next = _solver.Step(step, projected, solverVelocity);
        var keyframes = _keyframeEuler
            ? _latents.index_select(2, indices).add(velocity, keyframeStep)
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

        // Heun: x_end = x_start + (σ_end − σ_start)·(v_start + v_end)/2.
        var end = evaluation.SigmaIndex[first];
        using var halfStep = ((_sigmas[end] - _sigmas[_lastFullStep]) / 2).ToScalar();
        var heun = _groupStart.add(_lastFullVelocity!.add(velocity, One), halfStep);
        SetLatents(where(FrameMask.Select(corrected, _device), heun, _latents));
        return velocity;
    }

    private Tensor Forecast(Tensor velocity, int step, int target, int forecastFrom)
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

        // FoCa's second-order forecast: v̂ = v_i + (σ_end − σ_i)/2 · (v_i − v_p)/(σ_i − σ_p).
        using var slope = ((_sigmas[target] - _sigmas[step]) / 2 / (_sigmas[step] - _sigmas[_lastFullStep])).ToScalar();
        return velocity.add(velocity.sub(_lastFullVelocity), slope);
    }

    /// <summary>Each frame's model timestep on the run's ladder (0 at the final sigma index).</summary>
    private double[] Timesteps(EvaluationView evaluation) => [.. evaluation.SigmaIndex.Select(_ladder.Timestep)];

    private void SetLatents(Tensor value)
    {
        var kept = value.DetachFromDisposeScope();
        _latents.Dispose();
        _latents = kept;
    }

    private static void Keep(ref Tensor? slot, Tensor value)
    {
        var kept = value.DetachFromDisposeScope();
        slot?.Dispose();
        slot = kept;
    }
}
