using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// The model seen by the executor: guided predictions of a batch of B latents. With classifier-free guidance, one
/// model call on 2B rows (the B prompts, then the B negative prompts) combined per clip as v_u + g·(v_c − v_u);
/// without guidance, or with a family's embedded guidance, one call on the B rows, returned as it is.
/// </summary>
/// <remarks>
/// Latents in and predictions out are in the plan's layout (<see cref="PlanLayout"/>); the model sees its own
/// [rows, C, F, H, W].
/// </remarks>
internal sealed class GuidedVelocity : IDisposable
{
    private readonly IVideoTransformer _model;
    private readonly IVideoConditioning _text;

    // Held for the run and disposed with it: an implicitly converted alpha is freed by the finalizer alone, possibly
    // while libtorch still reads it.
    private readonly Scalar _guidance;
    private readonly int _clips;
    private readonly int _branches;
    private readonly ISelfAttentionPolicy? _reduction;
    private readonly StepCacheRun? _stepCache;
    private readonly PlanLayout _layout;

    /// <param name="model">The transformer.</param>
    /// <param name="prompt">The prompt: embeddings [B, L, d] or [1, L, d] shared by every clip, and what else the family takes.</param>
    /// <param name="guidance">The guidance scale; 1 runs the prompts alone. Embedded guidance passes it to the model.</param>
    /// <param name="clips">B, the clips of the batch.</param>
    /// <param name="reduction">The self-attention policy (null for dense); it belongs to the caller, which disposes it when the run ends.</param>
    /// <param name="stepCache">The step cache of the full evaluations (null runs every block); the caller owns and disposes it. It sees all 2B rows and decides once for them.</param>
    /// <param name="layout">The plan layout of the latents given and the predictions returned; null for one latent frame per plan frame.</param>
    public GuidedVelocity(IVideoTransformer model, VideoPrompt prompt, double guidance, int clips, ISelfAttentionPolicy? reduction = null, StepCacheRun? stepCache = null, PlanLayout? layout = null)
    {
        _model = model;
        _layout = layout ?? new PlanLayout(1);
        _reduction = reduction;
        _stepCache = stepCache;
        _clips = clips;
        _branches = model.Traits.Guidance == VideoGuidance.ClassifierFree && guidance != 1 ? 2 : 1;
        _text = model.PrepareConditioning(prompt, clips, guidance);
        _guidance = guidance.ToScalar();
    }

    public long TextBytes => _text.SizeBytes;

    /// <summary>All frames at sampling step <paramref name="step"/>, optionally recording the context of <paramref name="recordFrames"/>.</summary>
    public (Tensor Velocity, IVideoFrameContext? Context) Full(int step, Tensor latents, IReadOnlyList<double> frameTimesteps, IReadOnlyList<int> recordFrames, ContextKind kind)
    {
        using var scope = NewDisposeScope();
        var input = Batch(latents);
        var reduction = _reduction?.ForStep(step);
        if (recordFrames.Count == 0)
        {
            return (Guide(_model.Forward(input, frameTimesteps, _text, reduction, _stepCache?.ForStep(step))).MoveToOuterDisposeScope(), null);
        }

        if (_stepCache is not null)
        {
            throw new InvalidOperationException("A step cache runs with plans of full evaluations only; this one records a keyframe context.");
        }

        var (velocity, context) = _model.ForwardRecording(input, frameTimesteps, _text, recordFrames, kind, reduction);
        return (Guide(velocity).MoveToOuterDisposeScope(), context);
    }

    /// <summary>Only <paramref name="frames"/> at sampling step <paramref name="step"/>, attending to <paramref name="context"/> for the rest.</summary>
    public Tensor Active(int step, Tensor activeLatents, IReadOnlyList<int> frames, IReadOnlyList<double> frameTimesteps, IVideoFrameContext? context)
    {
        using var scope = NewDisposeScope();
        var input = Batch(activeLatents);
        return Guide(_model.ForwardActive(input, frames, frameTimesteps, _text, context, _reduction?.ForStep(step))).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _text.Dispose();
        _guidance.Dispose();
    }

    /// <summary>The model's rows: the clips once per branch, conditional rows first, as the text rows are laid out.</summary>
    private Tensor Batch(Tensor latents)
    {
        var model = _layout.ToLatent(latents);
        return (_branches == 1 ? model : model.repeat(_branches, 1, 1, 1, 1)).to(_model.DType);
    }

    private Tensor Guide(Tensor velocity)
    {
        var v = _layout.ToPlan(velocity.to(ScalarType.Float32));
        if (_branches == 1)
        {
            return v;
        }

        var cond = v.narrow(0, 0, _clips);
        var uncond = v.narrow(0, _clips, _clips);
        return uncond.add(cond.sub(uncond), _guidance);
    }
}
