using RhymeFlow.Core;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>Wan behind the executor's seam: flow velocity, classifier-free guidance in one batch, one latent frame per plan frame.</summary>
public sealed partial class WanTransformer : IVideoTransformer
{
    /// <summary>The family's name in errors.</summary>
    public const string FamilyName = "Wan";

    VideoModelTraits IVideoTransformer.Traits => new(
        FamilyName, VideoPrediction.FlowVelocity, VideoGuidance.ClassifierFree, Config.InChannels, Config.TextDim, Config.NumLayers, StepCaching: true, AttentionReduction: true);

    VideoFrameLayout IVideoTransformer.FrameLayout(int latentHeight, int latentWidth) =>
        new(Config.PatchSize.T, TokensPerFrame(latentHeight, latentWidth));

    Geometry IVideoTransformer.CostGeometry(int planFrames, int latentHeight, int latentWidth, int textLength, int rows) =>
        new(
            Config.NumLayers,
            Config.InnerDim,
            Config.NumAttentionHeads,
            Config.FfnDim,
            TokensPerFrame(latentHeight, latentWidth),
            planFrames,
            textLength,
            rows,
            BytesPerElement(DType));

    /// <summary>The core's ladders are Wan's (FlowMatchEulerDiscreteScheduler and UniPC as its pipeline configures them).</summary>
    SamplingLadder? IVideoTransformer.Ladder(SolverKind solver, double shift, int steps) => null;

    IVideoConditioning IVideoTransformer.PrepareConditioning(VideoPrompt prompt, int clips, double guidance)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.AttentionMask is not null || prompt.PooledEmbeddings is not null)
        {
            throw new ArgumentException(
                $"{FamilyName} takes no prompt attention mask and no pooled prompt embeddings (its prompts are zero-padded text-encoder states); leave them null.",
                nameof(prompt));
        }

        var branches = guidance == 1 ? 1 : 2;
        using var scope = NewDisposeScope();
        var prompts = PerClip(prompt.Embeddings, clips);
        var text = branches == 1 ? prompts : PairTexts(prompts, PerClip(prompt.NegativeEmbeddings ?? zeros_like(prompt.Embeddings), clips));
        return PrepareText(text.to(Device));
    }

    Tensor IVideoTransformer.Forward(Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, ISelfAttentionReduction? reduction, IBlockStackCache? stepCache)
    {
        using var scope = NewDisposeScope();
        var timestep = Timesteps(frameTimesteps, latents);
        return Forward(latents, timestep, Text(conditioning), reduction, stepCache).MoveToOuterDisposeScope();
    }

    (Tensor Prediction, IVideoFrameContext Context) IVideoTransformer.ForwardRecording(
        Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IReadOnlyList<int> contextFrames, ContextKind storage, ISelfAttentionReduction? reduction)
    {
        using var scope = NewDisposeScope();
        var timestep = Timesteps(frameTimesteps, latents);
        var kind = storage switch
        {
            ContextKind.LayerKv => WanContextKind.KeyValue,
            ContextKind.LayerHiddenDevice => WanContextKind.Hidden,
            ContextKind.LayerHiddenHost => WanContextKind.HiddenOnHost,
            _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, "A recorded context is LayerKv, LayerHiddenDevice or LayerHiddenHost."),
        };
        var (velocity, context) = ForwardRecording(latents, timestep, Text(conditioning), contextFrames, kind, reduction);
        return (velocity.MoveToOuterDisposeScope(), context);
    }

    Tensor IVideoTransformer.ForwardActive(
        Tensor activeLatents, IReadOnlyList<int> activeFrames, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IVideoFrameContext? context, ISelfAttentionReduction? reduction)
    {
        using var scope = NewDisposeScope();
        var timestep = Timesteps(frameTimesteps, activeLatents);
        var recorded = context switch
        {
            null => null,
            WanFrameContext wan => wan,
            _ => throw new ArgumentException($"{FamilyName} cannot attend to a context recorded by another family ({context.GetType().Name}).", nameof(context)),
        };
        return ForwardActive(activeLatents, activeFrames, timestep, Text(conditioning), recorded, reduction).MoveToOuterDisposeScope();
    }

    internal static int BytesPerElement(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.Float64 => 8,
        _ => 2,
    };

    private static WanTextContext Text(IVideoConditioning conditioning) =>
        conditioning as WanTextContext
        ?? throw new ArgumentException($"{FamilyName} needs the conditioning its PrepareConditioning made, got {conditioning?.GetType().Name ?? "null"}.", nameof(conditioning));

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

    /// <summary>[rows] when every frame shares its timestep, else per token [rows, F · tokensPerFrame].</summary>
    private Tensor Timesteps(IReadOnlyList<double> frameTimesteps, Tensor latents)
    {
        var rows = latents.shape[0];
        var first = frameTimesteps[0];
        if (frameTimesteps.All(t => t == first))
        {
            using var value = first.ToScalar();
            return full([rows], value, ScalarType.Float32, Device);
        }

        var perFrame = tensor(frameTimesteps.Select(t => (float)t).ToArray(), ScalarType.Float32, Device)
            .unsqueeze(0).expand(rows, -1);
        return ExpandFrameTimesteps(perFrame, TokensPerFrame((int)latents.shape[3], (int)latents.shape[4]));
    }
}
