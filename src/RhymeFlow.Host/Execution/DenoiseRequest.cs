using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Models;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// One denoising run: what to generate (text embeddings and initial noise) and how (a declarative
/// schedule and the guidance scale). The request does not own its tensors; they must stay alive
/// until the run has finished.
/// </summary>
/// <remarks>
/// <para>
/// A run denoises a batch of B ≥ 1 clips: the noise's first dimension is B. The prompt and the negative prompt each
/// have either B rows (row b conditions clip b) or one row, which conditions every clip (one prompt, several seeds).
/// With guidance the model sees one batch of 2B rows per evaluation: the B conditional rows, then the B
/// unconditional ones.
/// </para>
/// <para>
/// The clips share one plan: the same evaluations, and for RhymeFlow the same keyframes, chosen from the frame
/// signatures of the clean estimate averaged over the batch (see <see cref="KeyframeSignatures"/>). A batch therefore
/// reproduces its clips' separate runs exactly when their keyframes agree (given in <see cref="Keyframes"/>, or
/// selected alike), up to float rounding.
/// </para>
/// </remarks>
/// <param name="PromptEmbeddings">Text-encoder states of the prompts, [B, L, textDim], or [1, L, textDim] for all clips.</param>
/// <param name="InitialNoise">Latents at sigma_0, [B, C, F, H, W]: one row per clip.</param>
/// <param name="Schedule">The schedule, with its sampling settings (solver, shift, steps).</param>
/// <param name="Guidance">Classifier-free guidance scale; 1 runs the prompt alone.</param>
/// <param name="NegativeEmbeddings">Text-encoder states of the negative prompts, [B, L', textDim], or [1, L', textDim] for all clips; zeros of the prompt's shape when null.</param>
/// <param name="Keyframes">Keyframes chosen by hand instead of selected from the clean estimate (ablations, reproductions); null selects as the schedule says.</param>
/// <param name="Reduction">AsymRnR token reduction of the self-attention in every evaluation (full, recording and keyframe-only); null runs dense attention.</param>
public sealed record DenoiseRequest(
    Tensor PromptEmbeddings,
    Tensor InitialNoise,
    ScheduleSpec Schedule,
    double Guidance = 5.0,
    Tensor? NegativeEmbeddings = null,
    IReadOnlyList<int>? Keyframes = null,
    AttentionReduction? Reduction = null)
{
    /// <summary>
    /// The caller's own self-attention policy for every evaluation (e.g. a <see cref="RedundancyProfiler"/>), instead
    /// of <see cref="Reduction"/>; null runs dense attention. The caller owns it. An init property rather than a
    /// constructor parameter, so that the record's constructor and deconstruction keep their shape.
    /// </summary>
    public ISelfAttentionPolicy? AttentionPolicy { get; init; }

    /// <summary>
    /// TeaCache or the first-block cache (see <see cref="Acceleration.StepCaching.StepCache"/>), which skips the block
    /// stack on steps whose input barely changed; null runs every block. Valid only with plans whose evaluations are
    /// all full (dense, any step count); composes with <see cref="Reduction"/> and with CFG in one batch. The run's
    /// <see cref="VideoLatents.CacheTrace"/> says what it did.
    /// </summary>
    public StepCache? StepCache { get; init; }

    /// <summary>
    /// The prompts' attention mask [B or 1, L] (1 for valid tokens), for families that take one (HunyuanVideo); null
    /// for the others. The caller owns it.
    /// </summary>
    public Tensor? PromptAttentionMask { get; init; }

    /// <summary>The pooled prompt embeddings [B or 1, d], for families that take them (HunyuanVideo's CLIP); null for the others.</summary>
    public Tensor? PooledPromptEmbeddings { get; init; }

    /// <summary>
    /// How a v-predicting family (CogVideoX) steps its VP schedule: <see cref="Execution.VpSampler.Ddim"/> (null means
    /// it too) or <see cref="Execution.VpSampler.Dpm(long)"/>. Flow-velocity families take none.
    /// </summary>
    public VpSampler? VpSampler { get; init; }

    /// <summary>The clips denoised together: the first dimension of <see cref="InitialNoise"/>.</summary>
    public int BatchSize => (int)InitialNoise.shape[0];

    /// <summary>Checks shapes and values, naming the offending one.</summary>
    internal void Validate(int textDim, int latentChannels)
    {
        ArgumentNullException.ThrowIfNull(PromptEmbeddings);
        ArgumentNullException.ThrowIfNull(InitialNoise);
        ArgumentNullException.ThrowIfNull(Schedule);
        if (InitialNoise.ndim != 5 || InitialNoise.shape[0] < 1 || InitialNoise.shape[1] != latentChannels)
        {
            throw new ArgumentException(
                $"{nameof(InitialNoise)} has shape {Shapes.Format(InitialNoise)}: expected [B, {latentChannels}, F, H, W] with B >= 1.",
                nameof(InitialNoise));
        }

        CheckText(PromptEmbeddings, nameof(PromptEmbeddings), textDim, BatchSize);
        if (NegativeEmbeddings is not null)
        {
            CheckText(NegativeEmbeddings, nameof(NegativeEmbeddings), textDim, BatchSize);
        }

        if (!double.IsFinite(Guidance) || Guidance < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Guidance), Guidance, "Guidance must be a finite scale >= 1 (1 disables classifier-free guidance).");
        }

        if (Reduction is not null && AttentionPolicy is not null)
        {
            throw new ArgumentException(
                $"Give either {nameof(Reduction)} (AsymRnR settings) or {nameof(AttentionPolicy)} (a caller's self-attention policy), not both: a run has one self-attention policy.",
                nameof(AttentionPolicy));
        }

        Reduction?.Validate();
        StepCache?.Validate();
    }

    /// <summary>The text conditioning as the model family receives it.</summary>
    internal VideoPrompt Prompt => new(PromptEmbeddings, NegativeEmbeddings, PromptAttentionMask, PooledPromptEmbeddings);

    /// <summary>Refuses what the model family does not take, naming the family, rather than ignoring it.</summary>
    internal void CheckFamily(VideoModelTraits traits)
    {
        if (StepCache is not null && !traits.StepCaching)
        {
            throw new ArgumentException(
                $"{nameof(StepCache)} ({StepCache}) runs on Wan only; {traits.Family} has no block-stack cache hook. Drop the step cache.",
                nameof(StepCache));
        }

        if ((Reduction is not null || AttentionPolicy is not null) && !traits.AttentionReduction)
        {
            throw new ArgumentException(
                $"Self-attention reduction ({nameof(Reduction)}: AsymRnR, or an {nameof(AttentionPolicy)} such as the redundancy profiler) runs on Wan only; {traits.Family}'s joint attention does not take it yet.",
                Reduction is not null ? nameof(Reduction) : nameof(AttentionPolicy));
        }

        if (VpSampler is not null && traits.Prediction != VideoPrediction.VpVelocity)
        {
            throw new ArgumentException(
                $"{nameof(VpSampler)} ({VpSampler.Kind}) steps a VP schedule; {traits.Family} predicts {traits.Prediction} and samples with the schedule's flow solver. Drop it.",
                nameof(VpSampler));
        }

        if (NegativeEmbeddings is not null && traits.Guidance == VideoGuidance.Embedded)
        {
            throw new ArgumentException(
                $"{traits.Family}'s guidance is embedded (one pass, no unconditional branch): it takes no {nameof(NegativeEmbeddings)}.",
                nameof(NegativeEmbeddings));
        }
    }

    /// <summary>A step cache needs every evaluation full: a keyframe schedule's keyframe-only steps have no block stack to skip.</summary>
    internal void CheckStepCacheFits(PreparedPlan prepared, PlanView preview)
    {
        if (StepCache is null)
        {
            return;
        }

        if (prepared.NeedsKeyframes || preview.Evaluations.Any(e => e.Kind != EvaluationKindView.Full))
        {
            throw new ArgumentException(
                $"{nameof(StepCache)} ({StepCache}) needs a plan whose evaluations are all full (dense or fewer steps), but the {nameof(Schedule)} is a keyframe schedule with keyframe-only or correction evaluations: drop one of the two.",
                nameof(StepCache));
        }
    }

    private static void CheckText(Tensor text, string name, int textDim, int batch)
    {
        if (text.ndim != 3 || (text.shape[0] != 1 && text.shape[0] != batch) || text.shape[2] != textDim)
        {
            var expected = batch == 1
                ? $"[1, L, {textDim}]"
                : $"[{batch}, L, {textDim}] (a row per clip of {nameof(InitialNoise)}) or [1, L, {textDim}] (one row for every clip)";
            throw new ArgumentException($"{name} has shape {Shapes.Format(text)}: expected {expected}.", name);
        }
    }
}
