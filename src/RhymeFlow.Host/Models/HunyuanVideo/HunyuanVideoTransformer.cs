using RhymeFlow.Core;
using RhymeFlow.Host.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The HunyuanVideo text-to-video diffusion transformer (diffusers' <c>HunyuanVideoTransformer3DModel</c>), predicting
/// the flow velocity of a latent video. State-dict keys equal diffusers' keys.
/// </summary>
/// <remarks>
/// <para>Guidance is embedded (<c>guidance_embeds</c>): one pass per step with the guidance scale × 1000 as an input,
/// no unconditional branch. The text tokens join every attention of the dual- and single-stream blocks, masked by the
/// prompt's attention mask.</para>
/// <para>Three ways to evaluate it:</para>
/// <list type="bullet">
/// <item><see cref="Forward"/>: all frames.</item>
/// <item><see cref="ForwardRecording"/>: all frames, also recording the video keys/values of chosen frames in every block.</item>
/// <item><see cref="ForwardActive"/>: only some frames (keyframes). Queries are the text tokens and the keyframe tokens;
/// keys/values are those plus the recorded frames'. The text mask still applies.</item>
/// </list>
/// <para>Every call runs under <c>no_grad</c> in its own dispose scope; the result belongs to the caller's scope. Not
/// thread-safe: run a model on one thread.</para>
/// </remarks>
public sealed partial class HunyuanVideoTransformer : ModelModule<HunyuanVideoConfig>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly HunyuanVideoPatchEmbed x_embedder;
    private readonly HunyuanVideoTokenRefiner context_embedder;
    private readonly HunyuanVideoConditionEmbedding time_text_embed;
    private readonly ModuleList<HunyuanVideoDualBlock> transformer_blocks;
    private readonly ModuleList<HunyuanVideoSingleBlock> single_transformer_blocks;
    private readonly HunyuanVideoModulation norm_out;
    private readonly Linear proj_out;
#pragma warning restore IDE1006

    private HunyuanVideoTransformer(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoTransformer), config, dtype, device)
    {
        var dim = config.InnerDim;
        x_embedder = new HunyuanVideoPatchEmbed(config, dtype, device);
        context_embedder = new HunyuanVideoTokenRefiner(config, dtype, device);
        time_text_embed = new HunyuanVideoConditionEmbedding(dim, config.PooledProjectionDim, config.GuidanceEmbeds, device);
        transformer_blocks = new ModuleList<HunyuanVideoDualBlock>([.. Enumerable.Range(0, config.NumLayers).Select(_ => new HunyuanVideoDualBlock(config, dtype, device))]);
        single_transformer_blocks = new ModuleList<HunyuanVideoSingleBlock>([.. Enumerable.Range(0, config.NumSingleLayers).Select(_ => new HunyuanVideoSingleBlock(config, dtype, device))]);
        norm_out = new HunyuanVideoModulation(dim, 2, device);
        proj_out = nn.Linear(dim, config.PatchOutDim, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Blocks with self-attention over the joint sequence: dual-stream, then single-stream.</summary>
    public int BlockCount => Config.NumLayers + Config.NumSingleLayers;

    /// <summary>
    /// Builds a model with initial (untrained) weights in eval mode; call <see cref="ModelModule{TConfig}.LoadWeights"/>
    /// next (diffusers keys, strict). The embeddings and modulation projections stay float32 whatever the dtype.
    /// </summary>
    public static HunyuanVideoTransformer Create(HunyuanVideoConfig config, ScalarType dtype, Device device) =>
        Build(config, dtype, device, static (c, d, v) => new HunyuanVideoTransformer(c, d, v));

    /// <summary>Loads diffusers-format keys strictly; a mismatch lists every missing, unexpected and misshaped tensor with its file.</summary>
    protected override StateDictLoadResult LoadCheckpoint(CheckpointReader checkpoint) =>
        StateDictLoader.Load(this, checkpoint, moduleName: "the HunyuanVideo transformer that the config describes");

    /// <summary>The velocity [B, Cout, F, H, W] of latents [B, Cin, F, H, W].</summary>
    /// <param name="hiddenStates">Noisy latents [B, Cin, F, H, W].</param>
    /// <param name="timestep">Timesteps on the 0..1000 scale, [B] (one per sample: the model has no per-token timestep).</param>
    /// <param name="prompt">Text conditioning with the same batch size.</param>
    /// <param name="guidance">Embedded guidance [B] (scale × 1000), required when the config has <c>guidance_embeds</c>.</param>
    /// <param name="reduction">Reduces the video tokens of every block's joint attention (never the text), or null for dense.</param>
    public Tensor Forward(Tensor hiddenStates, Tensor timestep, HunyuanVideoPrompt prompt, Tensor? guidance, ISelfAttentionReduction? reduction = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        return Run(hiddenStates, [.. Enumerable.Range(0, grid.Frames)], timestep, prompt, guidance, context: null, keyValueHook: null, reduction);
    }

    /// <summary>
    /// A full forward that also records, in every block (dual-stream, then single-stream), what later
    /// <see cref="ForwardActive"/> calls need of <paramref name="contextFrames"/> (the non-keyframes): their video keys
    /// and values, or the block's video input hidden states (see <see cref="JointFrameContext"/>).
    /// </summary>
    /// <param name="hiddenStates">Noisy latents [B, Cin, F, H, W].</param>
    /// <param name="timestep">[B].</param>
    /// <param name="prompt">Text conditioning with the same batch size.</param>
    /// <param name="guidance">Embedded guidance [B], as for <see cref="Forward"/>.</param>
    /// <param name="contextFrames">The frames to record (a non-empty subset of 0..F − 1).</param>
    /// <param name="reduction">As for <see cref="Forward"/>; the context records the unreduced keys/values (or the hidden states, which a reduction never drops).</param>
    /// <param name="storage">What to record: <see cref="ContextKind.LayerKv"/>, <see cref="ContextKind.LayerHiddenDevice"/> or <see cref="ContextKind.LayerHiddenHost"/>.</param>
    /// <returns>The velocity of all frames, and the context (the caller disposes it).</returns>
    public (Tensor Velocity, JointFrameContext Context) ForwardRecording(
        Tensor hiddenStates,
        Tensor timestep,
        HunyuanVideoPrompt prompt,
        Tensor? guidance,
        IReadOnlyList<int> contextFrames,
        ISelfAttentionReduction? reduction = null,
        ContextKind storage = ContextKind.LayerKv)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        ArgumentNullException.ThrowIfNull(contextFrames);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        var recorded = contextFrames.Distinct().Order().ToArray();
        if (recorded.Length == 0 || recorded[0] < 0 || recorded[^1] >= grid.Frames)
        {
            throw new ArgumentException($"context frames must be a non-empty subset of 0..{grid.Frames - 1}, got [{string.Join(", ", contextFrames)}]", nameof(contextFrames));
        }

        var context = new JointFrameContext(storage, recorded, hiddenStates.shape[0], grid.Height, grid.Width);
        try
        {
            using var index = TokenIndex(recorded, grid.Height * grid.Width);
            var frames = Enumerable.Range(0, grid.Frames).ToArray();
            var velocity = storage == ContextKind.LayerKv
                ? Run(hiddenStates, frames, timestep, prompt, guidance, context: null, (_, key, value) =>
                {
                    context.Add(key.index_select(2, index), value.index_select(2, index));
                    return (key, value);
                }, reduction)
                : Run(hiddenStates, frames, timestep, prompt, guidance, context: null, keyValueHook: null, reduction, (layer, video, temb) =>
                {
                    if (layer == 0)
                    {
                        context.SetConditioning(temb.clone());
                    }

                    context.AddHidden(video.index_select(1, index));
                });
            return (velocity, context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Computes only the given frames (keyframes). In every block the queries are the text tokens and these frames'
    /// tokens; the keys and values are the same tokens plus the recorded frames' from <paramref name="context"/>.
    /// With the context recorded from the same latents and timestep, the result equals the full forward on these frames.
    /// </summary>
    /// <param name="activeHiddenStates">Latents of the active frames [B, Cin, Fa, H, W], in the order of <paramref name="activeFrames"/>.</param>
    /// <param name="activeFrames">The true latent-frame index of each active frame (for RoPE); none may be in the context.</param>
    /// <param name="timestep">[B].</param>
    /// <param name="prompt">Text conditioning with the same batch size.</param>
    /// <param name="guidance">Embedded guidance [B], as for <see cref="Forward"/>.</param>
    /// <param name="context">The recorded context of the other frames (keys/values, or hidden states they are recomputed from).</param>
    /// <param name="reduction">
    /// Reduces the active frames' tokens as queries, and theirs with the context's as keys/values (never the text), or
    /// null for dense.
    /// </param>
    /// <returns>The velocity of the active frames [B, Cout, Fa, H, W].</returns>
    public Tensor ForwardActive(
        Tensor activeHiddenStates, IReadOnlyList<int> activeFrames, Tensor timestep, HunyuanVideoPrompt prompt, Tensor? guidance, JointFrameContext context, ISelfAttentionReduction? reduction = null)
    {
        ArgumentNullException.ThrowIfNull(activeHiddenStates);
        ArgumentNullException.ThrowIfNull(activeFrames);
        ArgumentNullException.ThrowIfNull(context);
        var grid = CheckLatent(activeHiddenStates, nameof(activeHiddenStates));
        if (activeFrames.Count != grid.Frames || activeFrames.Distinct().Count() != activeFrames.Count || activeFrames.Any(f => f < 0))
        {
            throw new ArgumentException($"activeFrames must list {grid.Frames} distinct non-negative frame indices, got [{string.Join(", ", activeFrames)}]", nameof(activeFrames));
        }

        context.CheckFits(BlockCount, activeHiddenStates.shape[0], grid.Height, grid.Width, activeFrames, nameof(context));
        return Run(activeHiddenStates, activeFrames, timestep, prompt, guidance, context, keyValueHook: null, reduction);
    }

    /// <summary>
    /// A full forward whose video keys/values pass through <paramref name="keyValueHook"/> (block index, keys, values
    /// [B, H, Lv, D] after qk-norm and RoPE → the keys/values to attend to) before each block's attention. For tests that
    /// build references by substituting rows.
    /// </summary>
    internal Tensor ForwardWithKeyValueHook(
        Tensor hiddenStates, Tensor timestep, HunyuanVideoPrompt prompt, Tensor? guidance, Func<int, Tensor, Tensor, (Tensor Key, Tensor Value)> keyValueHook)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        return Run(hiddenStates, [.. Enumerable.Range(0, grid.Frames)], timestep, prompt, guidance, context: null, keyValueHook);
    }
}
