using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// The Wan 2.1 text-to-video diffusion transformer (diffusers' <c>WanTransformer3DModel</c>), predicting the flow
/// velocity of a latent video. State-dict keys equal diffusers' keys.
/// </summary>
/// <remarks>
/// <para>Three ways to evaluate it:</para>
/// <list type="bullet">
/// <item><see cref="Forward(Tensor, Tensor, WanTextContext, ISelfAttentionReduction, IBlockStackCache)"/>: all frames.</item>
/// <item><see cref="ForwardRecording"/>: all frames, also recording a <see cref="WanFrameContext"/> for chosen frames.</item>
/// <item><see cref="ForwardActive"/>: only some frames; their self-attention also attends to a recorded context.
/// With the context recorded from the same state, the result equals the full forward on those frames.</item>
/// </list>
/// <para>In eval mode (the state <see cref="Create"/> leaves it in) every call runs under <c>no_grad</c> in its own
/// dispose scope; the returned tensor belongs to the caller's scope. After <c>train()</c>, calls run in the caller's
/// grad mode instead, so a training loop can back-propagate through <see cref="Forward(Tensor, Tensor, Tensor)"/>
/// (text projection included); call <c>eval()</c> again before inference. Not thread-safe: run a model on one thread.</para>
/// </remarks>
public sealed partial class WanTransformer : ModelModule<WanConfig>
{
    private readonly WanRotaryEmbedding rope;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Conv3d patch_embedding;
    private readonly WanConditionEmbedder condition_embedder;
    private readonly ModuleList<WanTransformerBlock> blocks;
    private readonly Linear proj_out;
    private readonly Parameter scale_shift_table;
#pragma warning restore IDE1006

    private WanTransformer(WanConfig config, ScalarType dtype, Device device)
        : base(nameof(WanTransformer), config, dtype, device)
    {
        var dim = config.InnerDim;
        var patch = config.PatchSize;
        rope = new WanRotaryEmbedding(config.AttentionHeadDim, config.RopeMaxSeqLen, device);
        patch_embedding = nn.Conv3d(config.InChannels, dim, (patch.T, patch.H, patch.W), (patch.T, patch.H, patch.W), device: device, dtype: dtype);
        condition_embedder = new WanConditionEmbedder(config, dtype, device);
        blocks = new ModuleList<WanTransformerBlock>([.. Enumerable.Range(0, config.NumLayers).Select(_ => new WanTransformerBlock(config, dtype, device))]);
        proj_out = nn.Linear(dim, config.PatchOutDim, device: device, dtype: dtype);
        scale_shift_table = new Parameter(zeros(1, 2, dim, dtype: ScalarType.Float32, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>
    /// Builds a model with initial (untrained) weights; call <see cref="ModelModule{TConfig}.LoadWeights"/> next. Weights diffusers keeps
    /// in float32 (<c>time_embedder</c>, the <c>scale_shift_table</c>s, <c>norm2</c>) stay float32.
    /// </summary>
    public static WanTransformer Create(WanConfig config, ScalarType dtype, Device device) =>
        Build(config, dtype, device, static (c, d, v) => new WanTransformer(c, d, v));

    /// <summary>
    /// Loads a checkpoint in diffusers or original Wan key format (detected), renaming the original keys to diffusers'.
    /// </summary>
    /// <exception cref="CheckpointException">The key format is unknown or the weights do not fit this model.</exception>
    protected override StateDictLoadResult LoadCheckpoint(CheckpointReader checkpoint) => WanCheckpoint.Load(this, checkpoint);

    /// <summary>Latent tokens per frame for a latent of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public int TokensPerFrame(int height, int width) => height / Config.PatchSize.H * (width / Config.PatchSize.W);

    /// <summary>
    /// Expands per-frame timesteps [B, F] to the per-token form [B, F · tokensPerFrame] that <see cref="Forward(Tensor, Tensor, WanTextContext, ISelfAttentionReduction, IBlockStackCache)"/>
    /// accepts (frame-major, as tokens are laid out).
    /// </summary>
    public static Tensor ExpandFrameTimesteps(Tensor frameTimesteps, int tokensPerFrame)
    {
        ArgumentNullException.ThrowIfNull(frameTimesteps);
        if (frameTimesteps.ndim != 2 || tokensPerFrame <= 0)
        {
            throw new ArgumentException($"expected frame timesteps [B, F] and tokensPerFrame > 0, got [{string.Join(", ", frameTimesteps.shape)}] and {tokensPerFrame}");
        }

        return frameTimesteps.repeat_interleave(tokensPerFrame, 1);
    }

    /// <summary>
    /// Projects the text once for a run: per layer, the cross-attention keys and values. Dispose the result when the run ends.
    /// </summary>
    /// <param name="encoderHiddenStates">Text-encoder states [B, L, textDim]; B = 2 for batched CFG (prompt, negative prompt).</param>
    public WanTextContext PrepareText(Tensor encoderHiddenStates)
    {
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (encoderHiddenStates.ndim != 3 || encoderHiddenStates.shape[2] != Config.TextDim)
        {
            throw new ArgumentException($"encoder hidden states must be [B, L, {Config.TextDim}], got [{string.Join(", ", encoderHiddenStates.shape)}]", nameof(encoderHiddenStates));
        }

        using var noGrad = InferenceGradMode();
        using var scope = NewDisposeScope();
        var text = condition_embedder.EmbedText(encoderHiddenStates.to(Device));
        var layers = blocks.Select(block => block.TextKeyValue(text)).Select(kv => (kv.Key.contiguous(), kv.Value.contiguous())).ToArray();
        return new WanTextContext(layers, encoderHiddenStates.shape[0], encoderHiddenStates.shape[1]);
    }

    /// <summary>The velocity [B, Cout, F, H, W] of latents [B, Cin, F, H, W], projecting the text on the way.</summary>
    /// <param name="hiddenStates">Noisy latents [B, Cin, F, H, W].</param>
    /// <param name="timestep">Timesteps on the 0..1000 scale: [B], or per token [B, tokens] (see <see cref="ExpandFrameTimesteps"/>).</param>
    /// <param name="encoderHiddenStates">Text-encoder states [B, L, textDim].</param>
    public Tensor Forward(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates)
    {
        using var text = PrepareText(encoderHiddenStates);
        return Forward(hiddenStates, timestep, text);
    }

    /// <summary>The velocity [B, Cout, F, H, W] of latents [B, Cin, F, H, W] with text prepared by <see cref="PrepareText"/>.</summary>
    /// <param name="hiddenStates">Noisy latents [B, Cin, F, H, W].</param>
    /// <param name="timestep">[B] or [B, tokens].</param>
    /// <param name="text">Prepared text with the same batch size.</param>
    /// <param name="reduction">Replaces every block's self-attention for this evaluation (token reduction), or null for dense.</param>
    /// <param name="stepCache">May skip the block stack, or all of it but block 0, with a cached residual (TeaCache, first-block cache); null runs every block.</param>
    public Tensor Forward(Tensor hiddenStates, Tensor timestep, WanTextContext text, ISelfAttentionReduction? reduction = null, IBlockStackCache? stepCache = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        var frames = Enumerable.Range(0, CheckLatent(hiddenStates, nameof(hiddenStates)).Frames).ToArray();
        return Run(hiddenStates, frames, timestep, text, recording: null, recordFrames: null, context: null, reduction, stepCache);
    }

    /// <summary>
    /// A full forward that also records, for <paramref name="contextFrames"/>, what later active-frames forwards need
    /// to attend to those frames without computing them.
    /// </summary>
    /// <param name="hiddenStates">Noisy latents [B, Cin, F, H, W].</param>
    /// <param name="timestep">[B] or [B, tokens].</param>
    /// <param name="text">Prepared text with the same batch size.</param>
    /// <param name="contextFrames">Latent frame indices to record (any subset of 0..F-1).</param>
    /// <param name="kind">What to record; see <see cref="WanContextKind"/>.</param>
    /// <param name="reduction">Replaces every block's self-attention for this evaluation, or null for dense. The recorded K/V are every context token's (none is dropped), computed from hidden states that earlier layers' reduced attention produced.</param>
    /// <returns>The velocity of all frames, and the context (the caller disposes it).</returns>
    public (Tensor Velocity, WanFrameContext Context) ForwardRecording(
        Tensor hiddenStates,
        Tensor timestep,
        WanTextContext text,
        IReadOnlyList<int> contextFrames,
        WanContextKind kind = WanContextKind.KeyValue,
        ISelfAttentionReduction? reduction = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        ArgumentNullException.ThrowIfNull(contextFrames);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        var recorded = contextFrames.Distinct().Order().ToArray();
        if (recorded.Length == 0 || recorded[0] < 0 || recorded[^1] >= grid.Frames)
        {
            throw new ArgumentException($"context frames must be a non-empty subset of 0..{grid.Frames - 1}, got [{string.Join(", ", contextFrames)}]", nameof(contextFrames));
        }

        var context = new WanFrameContext(kind, recorded, hiddenStates.shape[0], grid.Height, grid.Width);
        try
        {
            var velocity = Run(hiddenStates, [.. Enumerable.Range(0, grid.Frames)], timestep, text, context, recorded, context: null, reduction);
            return (velocity, context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Computes only the given frames: their tokens are the self-attention queries, and the keys/values are their own
    /// plus those of the frames in <paramref name="context"/> (recorded, or recomputed from recorded hidden states).
    /// Cross-attention and the feed-forward run for the active tokens only.
    /// </summary>
    /// <param name="activeHiddenStates">Latents of the active frames [B, Cin, Fa, H, W], in the order of <paramref name="activeFrames"/>.</param>
    /// <param name="activeFrames">The true latent frame index of each active frame (for RoPE); none may be in the context.</param>
    /// <param name="timestep">[B], or per active token [B, Fa · tokensPerFrame].</param>
    /// <param name="text">Prepared text with the same batch size.</param>
    /// <param name="context">Context of the other frames, or null to attend among the active frames only.</param>
    /// <param name="reduction">Replaces every block's self-attention for this evaluation, or null for dense.</param>
    /// <returns>The velocity of the active frames [B, Cout, Fa, H, W].</returns>
    public Tensor ForwardActive(
        Tensor activeHiddenStates,
        IReadOnlyList<int> activeFrames,
        Tensor timestep,
        WanTextContext text,
        WanFrameContext? context,
        ISelfAttentionReduction? reduction = null)
    {
        ArgumentNullException.ThrowIfNull(activeHiddenStates);
        ArgumentNullException.ThrowIfNull(activeFrames);
        var grid = CheckLatent(activeHiddenStates, nameof(activeHiddenStates));
        if (activeFrames.Count != grid.Frames || activeFrames.Distinct().Count() != activeFrames.Count || activeFrames.Any(f => f < 0))
        {
            throw new ArgumentException($"activeFrames must list {grid.Frames} distinct non-negative frame indices, got [{string.Join(", ", activeFrames)}]", nameof(activeFrames));
        }

        if (context is not null)
        {
            CheckContext(context, activeHiddenStates.shape[0], grid, activeFrames);
        }

        return Run(activeHiddenStates, activeFrames, timestep, text, recording: null, recordFrames: null, context, reduction);
    }
}
