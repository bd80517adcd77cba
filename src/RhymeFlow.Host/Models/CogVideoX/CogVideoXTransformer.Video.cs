using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// CogVideoX-1.5 behind the executor's seam: v on its VP schedule (the core's <see cref="SolverKind.Ddim"/> ladder,
/// stepped by DDIM or DPM), classifier-free guidance in one batch, and one plan frame per temporal token of
/// <c>patch_size_t</c> latent frames. The executor's latents are [rows, C, F, H, W]; the model's own layout is
/// diffusers' [rows, F, C, H, W], and the seam transposes between the two.
/// </summary>
/// <remarks>
/// <para>The latent frame count F must be a multiple of <c>patch_size_t</c>: the pipeline pads its latents to one with
/// leading frames of noise (<see cref="CogVideoXLatentFrames"/>), denoises them all and drops them before decoding.
/// The seam takes the padded latents as they are.</para>
/// <para>The timestep embedding is per sample: one embedding modulates every text and video token of a block (the
/// <c>CogVideoXLayerNormZero</c> of text and video alike), so the model has no per-frame timestep, and giving each
/// temporal token its own would be a model it was not trained as. The core's plans evaluate every frame of an
/// evaluation at one step, which is all the executor needs; unequal frame timesteps are refused.</para>
/// <para>The recorded context is the layer K/V or the blocks' input hidden states of the video tokens (on the device or
/// the host; K/V recomputed per block, see <see cref="JointFrameContext"/>); self-attention reductions act on the video
/// tokens of every block's joint attention; step caches are refused.</para>
/// </remarks>
public sealed partial class CogVideoXTransformer : IVideoTransformer
{
    /// <summary>The family's name in errors.</summary>
    public const string FamilyName = "CogVideoX";

    VideoModelTraits IVideoTransformer.Traits => new(
        FamilyName, VideoPrediction.VpVelocity, VideoGuidance.ClassifierFree, Config.InChannels, Config.TextEmbedDim, Config.NumLayers, StepCaching: false, AttentionReduction: true);

    VideoFrameLayout IVideoTransformer.FrameLayout(int latentHeight, int latentWidth) =>
        new(Config.PatchSizeT, TokensPerTemporalToken(latentHeight, latentWidth));

    /// <summary>The text tokens join every attention (the cost model's joint attention); FFN 4 × dim.</summary>
    Geometry IVideoTransformer.CostGeometry(int planFrames, int latentHeight, int latentWidth, int textLength, int rows) =>
        new(
            Config.NumLayers,
            Config.InnerDim,
            Config.NumAttentionHeads,
            4 * Config.InnerDim,
            TokensPerTemporalToken(latentHeight, latentWidth),
            planFrames,
            textLength,
            rows,
            WanTransformer.BytesPerElement(DType));

    /// <summary>
    /// The pipeline's ladder is the core's <see cref="SolverKind.Ddim"/> ladder: CogVideoX 5B's VP schedule with trailing
    /// spacing, the shift as its SNR shift (1 for CogVideoX1.5-5B). DDIM and DPM both step on it.
    /// </summary>
    SamplingLadder? IVideoTransformer.Ladder(SolverKind solver, double shift, int steps) => solver switch
    {
        SolverKind.Ddim => null,
        _ => throw new NotSupportedException(
            $"{FamilyName} predicts v on a VP schedule and samples with its pipeline's DDIM or DPM (solver {SolverKind.Ddim}, DPM through the request's VpSampler); the schedule asks for {solver}."),
    };

    /// <summary>Rows: the prompts, then with guidance the negative prompts (zeros when none is given), at one text length.</summary>
    IVideoConditioning IVideoTransformer.PrepareConditioning(VideoPrompt prompt, int clips, double guidance)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.AttentionMask is not null || prompt.PooledEmbeddings is not null)
        {
            throw new ArgumentException(
                $"{FamilyName} takes no prompt attention mask and no pooled prompt embeddings (its T5 prompts are padded to max_text_seq_length); leave them null.",
                nameof(prompt));
        }

        var negative = prompt.NegativeEmbeddings;
        if (guidance != 1 && negative is not null && negative.shape[1] != prompt.Embeddings.shape[1])
        {
            throw new ArgumentException(
                $"{FamilyName} runs the prompt and the negative prompt as one batch of the joint sequence, so they need one text length: the prompt has {prompt.Embeddings.shape[1]} tokens, the negative prompt {negative.shape[1]} (the pipeline pads both to {Config.MaxTextSeqLength}).",
                nameof(prompt));
        }

        using var scope = NewDisposeScope();
        var prompts = PerClip(prompt.Embeddings, clips);
        var text = guidance == 1 ? prompts : cat([prompts, PerClip(negative ?? zeros_like(prompt.Embeddings), clips)], 0);
        return new CogVideoXConditioning(text.to(ScalarType.Float32, Device, copy: true).contiguous());
    }

    Tensor IVideoTransformer.Forward(Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, ISelfAttentionReduction? reduction, IBlockStackCache? stepCache)
    {
        StepCaches.Refuse(FamilyName, stepCache);
        using var scope = NewDisposeScope();
        var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, latents.shape[0], Device);
        return ToExecutor(Forward(ToModel(latents), timestep, Text(conditioning), reduction)).MoveToOuterDisposeScope();
    }

    (Tensor Prediction, IVideoFrameContext Context) IVideoTransformer.ForwardRecording(
        Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IReadOnlyList<int> contextFrames, ContextKind storage, ISelfAttentionReduction? reduction)
    {
        using var scope = NewDisposeScope();
        var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, latents.shape[0], Device);
        var (prediction, context) = ForwardRecording(ToModel(latents), timestep, Text(conditioning), contextFrames, reduction, storage);
        return (ToExecutor(prediction).MoveToOuterDisposeScope(), context);
    }

    Tensor IVideoTransformer.ForwardActive(
        Tensor activeLatents, IReadOnlyList<int> activeFrames, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IVideoFrameContext? context, ISelfAttentionReduction? reduction)
    {
        var recorded = context switch
        {
            null => null,
            JointFrameContext joint => joint,
            _ => throw new ArgumentException($"{FamilyName} cannot attend to a context recorded by another family ({context.GetType().Name}).", nameof(context)),
        };
        using var scope = NewDisposeScope();
        var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, activeLatents.shape[0], Device);
        return ToExecutor(ForwardActive(ToModel(activeLatents), activeFrames, timestep, Text(conditioning), recorded, reduction)).MoveToOuterDisposeScope();
    }

    private static Tensor Text(IVideoConditioning conditioning) =>
        (conditioning as CogVideoXConditioning)?.Text
        ?? throw new ArgumentException($"{FamilyName} needs the conditioning its PrepareConditioning made, got {conditioning?.GetType().Name ?? "null"}.", nameof(conditioning));

    private static Tensor PerClip(Tensor text, int clips) =>
        text.shape[0] == clips ? text : text.expand(clips, -1, -1);

    /// <summary>The executor's [rows, C, F, H, W] as the model's [rows, F, C, H, W].</summary>
    private static Tensor ToModel(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.ndim != 5)
        {
            throw new ArgumentException($"{FamilyName} takes latents [rows, C, F, H, W] from the executor, got [{string.Join(", ", latents.shape)}]", nameof(latents));
        }

        return latents.transpose(1, 2);
    }

    /// <summary>The model's [rows, F, C, H, W] as the executor's [rows, C, F, H, W], contiguous.</summary>
    private static Tensor ToExecutor(Tensor prediction) => prediction.transpose(1, 2).contiguous();
}
