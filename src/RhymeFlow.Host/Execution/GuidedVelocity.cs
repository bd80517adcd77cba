using RhymeFlow.Host.Acceleration;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Models.Wan;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// The model seen by the executor: guided velocities of a batch of B latents, computed as one model call on 2B rows
/// (the B prompts, then the B negative prompts) and combined per clip as v_u + g·(v_c − v_u). Without guidance the
/// call has the B prompt rows alone.
/// </summary>
internal sealed class GuidedVelocity : IDisposable
{
    private readonly WanTransformer _model;
    private readonly WanTextContext _text;

    // Held for the run and disposed with it: an implicitly converted alpha is freed by the finalizer alone, possibly
    // while libtorch still reads it.
    private readonly Scalar _guidance;
    private readonly int _clips;
    private readonly int _branches;
    private readonly ISelfAttentionPolicy? _reduction;
    private readonly StepCacheRun? _stepCache;

    /// <param name="model">The transformer.</param>
    /// <param name="prompt">Prompt embeddings, [B, L, d] or [1, L, d] shared by every clip.</param>
    /// <param name="negative">Negative prompt embeddings, [B, L', d] or [1, L', d]; zeros of the prompt's shape when null.</param>
    /// <param name="guidance">The CFG scale; 1 runs the prompts alone.</param>
    /// <param name="clips">B, the clips of the batch.</param>
    /// <param name="reduction">The self-attention policy (null for dense); it belongs to the caller, which disposes it when the run ends.</param>
    /// <param name="stepCache">The step cache of the full evaluations (null runs every block); the caller owns and disposes it. It sees all 2B rows and decides once for them.</param>
    public GuidedVelocity(WanTransformer model, Tensor prompt, Tensor? negative, double guidance, int clips, ISelfAttentionPolicy? reduction = null, StepCacheRun? stepCache = null)
    {
        _model = model;
        _reduction = reduction;
        _stepCache = stepCache;
        _clips = clips;
        _branches = guidance == 1 ? 1 : 2;
        using var scope = NewDisposeScope();
        var prompts = PerClip(prompt, clips);
        var text = _branches == 1 ? prompts : PairTexts(prompts, PerClip(negative ?? zeros_like(prompt), clips));
        _text = model.PrepareText(text.to(model.Device));
        _guidance = guidance.ToScalar();
    }

    public long TextBytes => _text.SizeBytes;

    /// <summary>All frames at sampling step <paramref name="step"/>, optionally recording the context of <paramref name="recordFrames"/>.</summary>
    public (Tensor Velocity, WanFrameContext? Context) Full(int step, Tensor latents, IReadOnlyList<double> frameTimesteps, IReadOnlyList<int> recordFrames, WanContextKind kind)
    {
        using var scope = NewDisposeScope();
        var input = Batch(latents);
        var timestep = Timesteps(frameTimesteps, TokensPerFrame(latents));
        var reduction = _reduction?.ForStep(step);
        if (recordFrames.Count == 0)
        {
            return (Guide(_model.Forward(input, timestep, _text, reduction, _stepCache?.ForStep(step))).MoveToOuterDisposeScope(), null);
        }

        if (_stepCache is not null)
        {
            throw new InvalidOperationException("A step cache runs with plans of full evaluations only; this one records a keyframe context.");
        }

        var (velocity, context) = _model.ForwardRecording(input, timestep, _text, recordFrames, kind, reduction);
        return (Guide(velocity).MoveToOuterDisposeScope(), context);
    }

    /// <summary>Only <paramref name="frames"/> at sampling step <paramref name="step"/>, attending to <paramref name="context"/> for the rest.</summary>
    public Tensor Active(int step, Tensor activeLatents, IReadOnlyList<int> frames, IReadOnlyList<double> frameTimesteps, WanFrameContext? context)
    {
        using var scope = NewDisposeScope();
        var input = Batch(activeLatents);
        var timestep = Timesteps(frameTimesteps, TokensPerFrame(activeLatents));
        return Guide(_model.ForwardActive(input, frames, timestep, _text, context, _reduction?.ForStep(step))).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _text.Dispose();
        _guidance.Dispose();
    }

    /// <summary>One row per clip: a shared single row is broadcast (a view; the text projection reads it as is).</summary>
    private static Tensor PerClip(Tensor text, int clips) =>
        text.shape[0] == clips ? text : text.expand(clips, -1, -1);

    private static Tensor PairTexts(Tensor prompt, Tensor negative)
    {
        // The two branches may differ in length; pad the shorter with zeros, as Wan pads every prompt.
        var length = Math.Max(prompt.shape[1], negative.shape[1]);
        return cat([PadTo(prompt, length), PadTo(negative, length)], 0);
    }

    private static Tensor PadTo(Tensor text, long length) =>
        text.shape[1] == length ? text : nn.functional.pad(text, [0, 0, 0, length - text.shape[1]]);

    /// <summary>The model's rows: the clips once per branch, conditional rows first, as the text rows are laid out.</summary>
    private Tensor Batch(Tensor latents) =>
        (_branches == 1 ? latents : latents.repeat(_branches, 1, 1, 1, 1)).to(_model.DType);

    private int TokensPerFrame(Tensor latents) => _model.TokensPerFrame((int)latents.shape[3], (int)latents.shape[4]);

    private Tensor Timesteps(IReadOnlyList<double> frameTimesteps, int tokensPerFrame)
    {
        var rows = _clips * _branches;
        var first = frameTimesteps[0];
        if (frameTimesteps.All(t => t == first))
        {
            using var value = first.ToScalar();
            return full([rows], value, ScalarType.Float32, _model.Device);
        }

        var perFrame = tensor(frameTimesteps.Select(t => (float)t).ToArray(), ScalarType.Float32, _model.Device)
            .unsqueeze(0).expand(rows, -1);
        return WanTransformer.ExpandFrameTimesteps(perFrame, tokensPerFrame);
    }

    private Tensor Guide(Tensor velocity)
    {
        var v = velocity.to(ScalarType.Float32);
        if (_branches == 1)
        {
            return v;
        }

        var cond = v.narrow(0, 0, _clips);
        var uncond = v.narrow(0, _clips, _clips);
        return uncond.add(cond.sub(uncond), _guidance);
    }
}
