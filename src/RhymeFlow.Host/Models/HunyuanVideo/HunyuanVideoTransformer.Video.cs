using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// HunyuanVideo behind the executor's seam: flow velocity on its pipeline's ladder (linspace(1, 0, N + 1) shifted,
/// flow Euler), embedded guidance (one pass, no unconditional branch), one timestep per sample, and a recorded context
/// of layer K/V or of the blocks' video input hidden states (see <see cref="JointFrameContext"/>). Self-attention reductions act on the video tokens of every block's joint attention; step
/// caches are Wan's alone and are refused.
/// </summary>
public sealed partial class HunyuanVideoTransformer : IVideoTransformer
{
    /// <summary>The family's name in errors.</summary>
    public const string FamilyName = "HunyuanVideo";

    VideoModelTraits IVideoTransformer.Traits => new(
        FamilyName, VideoPrediction.FlowVelocity, VideoGuidance.Embedded, Config.InChannels, Config.TextEmbedDim, BlockCount, StepCaching: false, AttentionReduction: true);

    VideoFrameLayout IVideoTransformer.FrameLayout(int latentHeight, int latentWidth) =>
        new(Config.PatchSizeT, latentHeight / Config.PatchSize * (latentWidth / Config.PatchSize));

    /// <summary>Layers count the dual- and single-stream blocks alike (as the core's HunyuanVideo720p geometry does); FFN is mlp_ratio × dim.</summary>
    Geometry IVideoTransformer.CostGeometry(int planFrames, int latentHeight, int latentWidth, int textLength, int rows) =>
        new(
            BlockCount,
            Config.InnerDim,
            Config.NumAttentionHeads,
            Config.MlpDim,
            latentHeight / Config.PatchSize * (latentWidth / Config.PatchSize),
            planFrames,
            textLength,
            rows,
            WanTransformer.BytesPerElement(DType));

    /// <summary>
    /// The pipeline's ladder, as diffusers computes it in float32: σ = shift(s) for s = linspace(1, 0, N + 1)[:-1], a
    /// final 0, timesteps 1000σ.
    /// </summary>
    SamplingLadder? IVideoTransformer.Ladder(SolverKind solver, double shift, int steps)
    {
        if (solver != SolverKind.Euler)
        {
            throw new NotSupportedException($"{FamilyName} samples with flow Euler (its pipeline's FlowMatchEulerDiscreteScheduler); the schedule asks for {solver}.");
        }

        var s = (float)shift;
        var sigmas = Enumerable.Range(0, steps)
            .Select(i => (float)(1.0 - ((double)i / steps)))
            .Select(x => s * x / (1f + ((s - 1f) * x)))
            .ToArray();
        return new SamplingLadder([.. sigmas.Select(x => (double)x), 0.0], [.. sigmas.Select(x => (double)(x * 1000f))]);
    }

    IVideoConditioning IVideoTransformer.PrepareConditioning(VideoPrompt prompt, int clips, double guidance)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.NegativeEmbeddings is not null)
        {
            throw new ArgumentException($"{FamilyName}'s guidance is embedded (one pass, no unconditional branch): it takes no negative prompt.", nameof(prompt));
        }

        var mask = prompt.AttentionMask ?? throw new ArgumentException($"{FamilyName} needs the prompt's attention mask [B, L].", nameof(prompt));
        var pooled = prompt.PooledEmbeddings ?? throw new ArgumentException($"{FamilyName} needs the pooled prompt embeddings [B, {Config.PooledProjectionDim}].", nameof(prompt));
        if (!Config.GuidanceEmbeds && guidance != 1)
        {
            throw new ArgumentException($"This {FamilyName} model has no guidance embedding (guidance_embeds false): run it with guidance 1, got {guidance}.", nameof(guidance));
        }

        using var scope = NewDisposeScope();
        var states = PerClip(prompt.Embeddings, clips);
        var masks = PerClip(mask, clips);
        var pools = PerClip(pooled, clips);
        CheckPrompt(new HunyuanVideoPrompt(states, masks, pools), clips);
        using var scale = (guidance * 1000).ToScalar();
        var embedded = full([clips], scale, ScalarType.Float32, Device);
        var prepared = new HunyuanVideoPrompt(Own(states), Own(masks), Own(pools));
        return new HunyuanVideoConditioning(prepared, embedded);
    }

    Tensor IVideoTransformer.Forward(Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, ISelfAttentionReduction? reduction, IBlockStackCache? stepCache)
    {
        StepCaches.Refuse(FamilyName, stepCache);
        var prepared = Conditioning(conditioning);
        using var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, latents.shape[0], Device);
        return Forward(latents, timestep, prepared.Prompt, GuidanceInput(prepared), reduction);
    }

    (Tensor Prediction, IVideoFrameContext Context) IVideoTransformer.ForwardRecording(
        Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IReadOnlyList<int> contextFrames, ContextKind storage, ISelfAttentionReduction? reduction)
    {
        var prepared = Conditioning(conditioning);
        using var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, latents.shape[0], Device);
        var (velocity, context) = ForwardRecording(latents, timestep, prepared.Prompt, GuidanceInput(prepared), contextFrames, reduction, storage);
        return (velocity, context);
    }

    Tensor IVideoTransformer.ForwardActive(
        Tensor activeLatents, IReadOnlyList<int> activeFrames, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IVideoFrameContext? context, ISelfAttentionReduction? reduction)
    {
        var prepared = Conditioning(conditioning);
        using var timestep = PerSampleTimestep.Shared(FamilyName, frameTimesteps, activeLatents.shape[0], Device);
        switch (context)
        {
            case null:
                // Keyframes attend among themselves (and the text): the full forward's evaluation on these frames alone.
                ArgumentNullException.ThrowIfNull(activeLatents);
                ArgumentNullException.ThrowIfNull(activeFrames);
                CheckLatent(activeLatents, nameof(activeLatents));
                return Run(activeLatents, activeFrames, timestep, prepared.Prompt, GuidanceInput(prepared), context: null, keyValueHook: null, reduction);
            case JointFrameContext recorded:
                return ForwardActive(activeLatents, activeFrames, timestep, prepared.Prompt, GuidanceInput(prepared), recorded, reduction);
            default:
                throw new ArgumentException($"{FamilyName} cannot attend to a context recorded by another family ({context.GetType().Name}).", nameof(context));
        }
    }

    private static HunyuanVideoConditioning Conditioning(IVideoConditioning conditioning) =>
        conditioning as HunyuanVideoConditioning
        ?? throw new ArgumentException($"{FamilyName} needs the conditioning its PrepareConditioning made, got {conditioning?.GetType().Name ?? "null"}.", nameof(conditioning));

    private static Tensor PerClip(Tensor values, int clips) =>
        values.shape[0] == clips ? values : values.expand(new long[] { clips }.Concat(values.shape.Skip(1)).ToArray());

    /// <summary>A contiguous copy on the device, whatever the caller's tensor was (the conditioning owns it).</summary>
    private Tensor Own(Tensor values) => values.to(values.dtype, Device, copy: true).contiguous();

    private Tensor? GuidanceInput(HunyuanVideoConditioning conditioning) => Config.GuidanceEmbeds ? conditioning.Guidance : null;
}
