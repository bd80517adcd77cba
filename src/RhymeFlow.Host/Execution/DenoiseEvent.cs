using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>What a denoising run reports: one <see cref="EvaluationCompleted"/> per evaluation of the plan, in order, then one <see cref="DenoiseCompleted"/>.</summary>
public abstract class DenoiseEvent
{
    private protected DenoiseEvent()
    {
    }
}

/// <summary>
/// One model evaluation has finished and its transitions have been applied.
/// </summary>
/// <remarks>
/// The latents stay on the device and are only readable while the observer's OnNext (or the
/// progress callback) is running: <see cref="CopyLatents"/> then returns a host copy that the
/// caller owns. Afterwards the event is a plain record of numbers; the copy method throws.
/// </remarks>
public sealed class EvaluationCompleted : DenoiseEvent
{
    private readonly Lock _gate = new();
    private Tensor? _latents;

    internal EvaluationCompleted(
        EvaluationView evaluation,
        int totalEvaluations,
        IReadOnlyList<int> projectedFrames,
        IReadOnlyList<int> keyframes,
        TimeSpan duration,
        TimeSpan elapsed,
        Tensor latents)
    {
        Index = evaluation.Index;
        Step = evaluation.Step;
        Kind = evaluation.Kind;
        SigmaIndex = evaluation.SigmaIndex;
        ComputedFrames = evaluation.ComputedFrames;
        ProjectedFrames = projectedFrames;
        Keyframes = keyframes;
        TotalEvaluations = totalEvaluations;
        Duration = duration;
        Elapsed = elapsed;
        _latents = latents;
    }

    /// <summary>The evaluation's index in the plan.</summary>
    public int Index { get; }

    /// <summary>The ladder step it belongs to.</summary>
    public int Step { get; }

    /// <summary>Full, active (keyframes only) or a FoCa correction.</summary>
    public EvaluationKindView Kind { get; }

    /// <summary>Per frame, the sigma index of its model input.</summary>
    public IReadOnlyList<int> SigmaIndex { get; }

    /// <summary>The frames whose tokens the model computed.</summary>
    public IReadOnlyList<int> ComputedFrames { get; }

    /// <summary>The frames whose input was placed on their trajectory by projection.</summary>
    public IReadOnlyList<int> ProjectedFrames { get; }

    /// <summary>The keyframes, once selected; empty before selection and for dense plans.</summary>
    public IReadOnlyList<int> Keyframes { get; }

    /// <summary>The number of evaluations of the whole plan.</summary>
    public int TotalEvaluations { get; }

    /// <summary>Wall time of this evaluation, device work included.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Wall time since the run started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Whether the latents can still be copied (only during the callback).</summary>
    public bool LatentsAvailable => _latents is not null;

    /// <summary>A host (CPU, float32) copy of every clip's and frame's current latents [B, C, F, H, W], owned by the caller.</summary>
    /// <remarks>
    /// Call it synchronously inside the callback. A progress reporter that hands events to another thread (such as
    /// <see cref="Progress{T}"/>) sees them after delivery has ended, when this throws.
    /// </remarks>
    public Tensor CopyLatents()
    {
        // The lock keeps the run from moving on (and freeing these latents) while a late caller is mid-copy.
        lock (_gate)
        {
            var latents = _latents ?? throw new InvalidOperationException(
                "Latents are only available while the event is being delivered (inside OnNext or the progress callback); copy them there.");
            return latents.to(ScalarType.Float32, CPU, copy: true).DetachFromDisposeScope();
        }
    }

    internal void Expire()
    {
        lock (_gate)
        {
            _latents = null;
        }
    }
}

/// <summary>The run has finished; <see cref="Result"/> holds the final latents.</summary>
public sealed class DenoiseCompleted : DenoiseEvent
{
    internal DenoiseCompleted(VideoLatents result) => Result = result;

    /// <summary>The final latents and the plan that made them; the subscriber owns and disposes them.</summary>
    public VideoLatents Result { get; }
}
