using RhymeFlow.Core;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The CogVideoX-1.5 text-to-video diffusion transformer (diffusers' <c>CogVideoXTransformer3DModel</c> with
/// <c>patch_size_t</c>), predicting v on a VP schedule. Latents are in diffusers' CogVideoX layout [B, F, C, H, W].
/// State-dict keys equal diffusers' keys.
/// </summary>
/// <remarks>
/// <para>The text tokens join the video tokens in every self-attention and are updated by every block. A plan's
/// "frame" is a temporal token: <c>patch_size_t</c> latent frames. Three ways to evaluate:</para>
/// <list type="bullet">
/// <item><see cref="Forward"/>: all temporal tokens.</item>
/// <item><see cref="ForwardRecording"/>: all, also recording the keys and values of chosen temporal tokens.</item>
/// <item><see cref="ForwardActive"/>: only some temporal tokens; the queries are the text plus those tokens, the keys
/// and values the same plus the recorded ones. With the context recorded from the same state, the result equals the
/// full forward on those tokens.</item>
/// </list>
/// <para>The attention and feed-forward projections run in the model dtype; the patch and text embeddings, the
/// timestep embedding, every norm and modulation, <c>proj_out</c> and the residual streams stay float32. Every call
/// runs without gradients in its own dispose scope; the result belongs to the caller. Not thread-safe.</para>
/// </remarks>
public sealed partial class CogVideoXTransformer : ModelModule<CogVideoXConfig>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly CogVideoXPatchEmbed patch_embed;
    private readonly TimestepEmbedding time_embedding;
    private readonly ModuleList<CogVideoXBlock> transformer_blocks;
    private readonly LayerNorm norm_final;
    private readonly CogVideoXAdaLayerNorm norm_out;
    private readonly Linear proj_out;
#pragma warning restore IDE1006

    private CogVideoXTransformer(CogVideoXConfig config, ScalarType dtype, Device device)
        : base(nameof(CogVideoXTransformer), config, dtype, device)
    {
        patch_embed = new CogVideoXPatchEmbed(config, device);

        // diffusers embeds the timestep sinusoid at the model width, not at time_embed_dim.
        time_embedding = new TimestepEmbedding(config.InnerDim, config.TimeEmbedDim, device);
        transformer_blocks = new ModuleList<CogVideoXBlock>([.. Enumerable.Range(0, config.NumLayers).Select(_ => new CogVideoXBlock(config, dtype, device))]);
        norm_final = nn.LayerNorm(config.InnerDim, config.NormEps, device: device, dtype: ScalarType.Float32);
        norm_out = new CogVideoXAdaLayerNorm(config.TimeEmbedDim, config.InnerDim, config.NormEps, device);
        proj_out = nn.Linear(config.InnerDim, config.PatchOutDim, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>Builds a model with initial (untrained) weights; load them next.</summary>
    /// <exception cref="ArgumentException">The config is invalid or the dtype unsupported.</exception>
    public static CogVideoXTransformer Create(CogVideoXConfig config, ScalarType dtype, Device device) =>
        Build(config, dtype, device, static (c, d, v) => new CogVideoXTransformer(c, d, v));

    /// <summary>
    /// Builds and loads the model in a diffusers <c>transformer/</c> folder: its <c>config.json</c> and its
    /// safetensors weights (one file, or shards with their index).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is invalid (the message names the file and the field).</exception>
    /// <exception cref="CheckpointException">The weights are missing or do not fit (the message names the file, every key and shape).</exception>
    public static CogVideoXTransformer Load(string folder, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Load(Path.Combine(folder, "config.json"), folder, dtype, device);
    }

    /// <summary>
    /// Builds the model that <paramref name="configPath"/> (diffusers' <c>config.json</c>) describes and loads
    /// <paramref name="weightsPath"/> (a safetensors file, a shard index or a folder holding one) into it strictly.
    /// </summary>
    /// <exception cref="InvalidDataException">The config is invalid (the message names the file and the field).</exception>
    /// <exception cref="CheckpointException">The weights are missing or do not fit (the message names the file, every key and shape).</exception>
    public static CogVideoXTransformer Load(string configPath, string weightsPath, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(weightsPath);
        var model = Create(CogVideoXConfig.FromJson(configPath), dtype, device);
        try
        {
            using var checkpoint = CheckpointReader.Open(weightsPath);
            StateDictLoader.Load(model, checkpoint, moduleName: $"the CogVideoX transformer that {configPath} describes");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Temporal tokens (plan frames) of <paramref name="latentFrames"/> latent frames, a multiple of <c>patch_size_t</c>.</summary>
    public int TemporalTokens(int latentFrames) => latentFrames / Config.PatchSizeT;

    /// <summary>Tokens per temporal token for a latent of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public int TokensPerTemporalToken(int height, int width) => height / Config.PatchSize * (width / Config.PatchSize);

    /// <summary>The v-prediction [B, F, Cout, H, W] of latents [B, F, Cin, H, W].</summary>
    /// <param name="hiddenStates">Noisy latents [B, F, Cin, H, W]; F a multiple of <c>patch_size_t</c> (see <see cref="CogVideoXLatentFrames"/>).</param>
    /// <param name="timestep">Timesteps on the 0..999 scale, [B] (or [1], broadcast).</param>
    /// <param name="encoderHiddenStates">Text-encoder states [B, L, textEmbedDim].</param>
    /// <param name="reduction">Reduces the video tokens of every block's joint attention (never the text), or null for dense.</param>
    public Tensor Forward(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, ISelfAttentionReduction? reduction = null)
    {
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        return Evaluate(() => Run(hiddenStates, [.. Enumerable.Range(0, grid.Temporal)], timestep, encoderHiddenStates, recording: null, context: null, reduction));
    }

    /// <summary>
    /// A full forward that also records, in every layer, what keyframe-only forwards need of
    /// <paramref name="contextTokens"/>: their video keys and values, or their video tokens' input hidden states (see
    /// <see cref="JointFrameContext"/>).
    /// </summary>
    /// <param name="hiddenStates">Noisy latents [B, F, Cin, H, W].</param>
    /// <param name="timestep">[B] or [1].</param>
    /// <param name="encoderHiddenStates">Text-encoder states [B, L, textEmbedDim].</param>
    /// <param name="contextTokens">Temporal token indices to record (a non-empty subset of 0..F/pt − 1).</param>
    /// <param name="reduction">As for <see cref="Forward"/>; the context records the unreduced keys/values (or the hidden states, which a reduction never drops).</param>
    /// <param name="storage">What to record: <see cref="ContextKind.LayerKv"/>, <see cref="ContextKind.LayerHiddenDevice"/> or <see cref="ContextKind.LayerHiddenHost"/>.</param>
    /// <returns>The v-prediction of all frames, and the context (the caller disposes it).</returns>
    public (Tensor Prediction, JointFrameContext Context) ForwardRecording(
        Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyList<int> contextTokens, ISelfAttentionReduction? reduction = null, ContextKind storage = ContextKind.LayerKv)
    {
        ArgumentNullException.ThrowIfNull(contextTokens);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        var recorded = contextTokens.Distinct().Order().ToArray();
        if (recorded.Length == 0 || recorded[0] < 0 || recorded[^1] >= grid.Temporal)
        {
            throw new ArgumentException($"context tokens must be a non-empty subset of 0..{grid.Temporal - 1}, got [{string.Join(", ", contextTokens)}]", nameof(contextTokens));
        }

        var context = new JointFrameContext(storage, recorded, hiddenStates.shape[0], grid.Height, grid.Width);
        try
        {
            var prediction = Evaluate(() => Run(hiddenStates, [.. Enumerable.Range(0, grid.Temporal)], timestep, encoderHiddenStates, context, context: null, reduction));
            return (prediction, context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Computes only the given temporal tokens: the queries are the text tokens and theirs; the keys and values are
    /// those plus the recorded ones of <paramref name="context"/>.
    /// </summary>
    /// <param name="activeHiddenStates">Latents of the active temporal tokens [B, Fa, Cin, H, W] (Fa = pt × their count), in the order of <paramref name="activeTokens"/>.</param>
    /// <param name="activeTokens">The true temporal token index of each (for RoPE); none may be in the context.</param>
    /// <param name="timestep">[B] or [1].</param>
    /// <param name="encoderHiddenStates">Text-encoder states [B, L, textEmbedDim].</param>
    /// <param name="context">The recorded context of other temporal tokens (keys and values, or hidden states they are recomputed from), or null to attend among the active tokens and the text only.</param>
    /// <param name="reduction">
    /// Reduces the active tokens as queries, and theirs with the context's as keys/values (never the text), or null
    /// for dense.
    /// </param>
    /// <returns>The v-prediction of the active frames [B, Fa, Cout, H, W].</returns>
    public Tensor ForwardActive(
        Tensor activeHiddenStates, IReadOnlyList<int> activeTokens, Tensor timestep, Tensor encoderHiddenStates, JointFrameContext? context, ISelfAttentionReduction? reduction = null)
    {
        ArgumentNullException.ThrowIfNull(activeTokens);
        var grid = CheckLatent(activeHiddenStates, nameof(activeHiddenStates));
        if (activeTokens.Count != grid.Temporal || activeTokens.Distinct().Count() != activeTokens.Count || activeTokens.Any(t => t < 0))
        {
            throw new ArgumentException($"activeTokens must list {grid.Temporal} distinct non-negative temporal token indices, got [{string.Join(", ", activeTokens)}]", nameof(activeTokens));
        }

        context?.CheckFits(transformer_blocks.Count, activeHiddenStates.shape[0], grid.Height, grid.Width, activeTokens, nameof(context));

        return Evaluate(() => Run(activeHiddenStates, activeTokens, timestep, encoderHiddenStates, recording: null, context, reduction));
    }

    /// <summary>
    /// A full forward whose every layer hands its video keys and values [B, heads, N, headDim] (after the norm and the
    /// rotation) to <paramref name="keyValues"/> with the layer index. They are views of the keys and values the layer
    /// attends to: writing rows in place substitutes them. For tests that build references by substitution.
    /// </summary>
    internal Tensor ForwardWithKeyValues(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, Action<int, Tensor, Tensor> keyValues)
    {
        ArgumentNullException.ThrowIfNull(keyValues);
        var grid = CheckLatent(hiddenStates, nameof(hiddenStates));
        return Evaluate(() => Run(hiddenStates, [.. Enumerable.Range(0, grid.Temporal)], timestep, encoderHiddenStates, recording: null, context: null, reduction: null, keyValues));
    }

    /// <summary>
    /// The model on the video tokens of <paramref name="temporalTokens"/> (true indices of the latent's temporal
    /// tokens, in order). Records every video token's K/V into <paramref name="recording"/> for its tokens; attends to
    /// <paramref name="context"/> when given; <paramref name="reduction"/>, when given, reduces every block's video
    /// tokens (a temporal token is a frame of its layout). Runs inside the caller's scope.
    /// </summary>
    private Tensor Run(
        Tensor latents,
        IReadOnlyList<int> temporalTokens,
        Tensor timestep,
        Tensor encoderHiddenStates,
        JointFrameContext? recording,
        JointFrameContext? context,
        ISelfAttentionReduction? reduction,
        Action<int, Tensor, Tensor>? keyValues = null)
    {
        var batch = latents.shape[0];
        var grid = CheckLatent(latents, nameof(latents));
        var timeEmbedding = time_embedding.forward(CheckTimestep(timestep, batch).to(Device));
        var text = patch_embed.EmbedText(CheckText(encoderHiddenStates, batch).to(Device));
        var video = patch_embed.EmbedVideo(latents.to(Device));
        var (ropeCos, ropeSin) = CogVideoXRotaryEmbedding.Table(Config.AttentionHeadDim, temporalTokens, grid.Height, grid.Width, Device);

        Tensor? recordIndex = null;
        if (recording is not null)
        {
            var tokensPerTemporal = grid.Height * grid.Width;
            var position = temporalTokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => (long)p.i);
            recordIndex = tensor(recording.Frames.SelectMany(t => Enumerable.Range(0, tokensPerTemporal).Select(k => (position[t] * tokensPerTemporal) + k)).ToArray(), device: Device);
            if (recording.Storage != ContextKind.LayerKv)
            {
                recording.SetConditioning(timeEmbedding.clone());
            }
        }

        var recordsKeyValues = recording is { Storage: ContextKind.LayerKv };
        var contextRope = context is null || context.Storage == ContextKind.LayerKv
            ? ((Tensor Cos, Tensor Sin)?)null
            : CogVideoXRotaryEmbedding.Table(Config.AttentionHeadDim, context.Frames, grid.Height, grid.Width, Device);

        // Keys/values are the computed tokens' own, then the context's (see CogVideoXAttention).
        var queryTokens = new VideoTokenLayout(temporalTokens, (int)grid.Height, (int)grid.Width);
        var keyValueTokens = context is null ? queryTokens : new VideoTokenLayout([.. temporalTokens, .. context.Frames], (int)grid.Height, (int)grid.Width);

        for (var layer = 0; layer < transformer_blocks.Count; layer++)
        {
            using var layerScope = NewDisposeScope();
            Action<Tensor, Tensor>? record = !recordsKeyValues || recording is null || recordIndex is null
                ? null
                : (key, value) => recording.Add(key.index_select(2, recordIndex), value.index_select(2, recordIndex));
            if (!recordsKeyValues && recording is not null && recordIndex is not null)
            {
                // The residual stream is float32; stored in the model dtype the hidden states take half the bytes of
                // the K/V, as the cost model and the context budget assume (exact in float32, one rounding in bf16).
                recording.AddHidden(video.index_select(1, recordIndex).to(DType));
            }

            if (keyValues is not null)
            {
                var (block, recordFirst) = (layer, record);
                record = (key, value) =>
                {
                    recordFirst?.Invoke(key, value);
                    keyValues(block, key, value);
                };
            }

            var site = reduction is null ? null : new SelfAttentionSite(reduction, layer, queryTokens, keyValueTokens);
            var attention = new AttentionInputs(text.shape[1], ropeCos, ropeSin, context is null ? null : ContextKeyValue(layer, context, contextRope), record, site);
            (video, text) = transformer_blocks[layer].Forward(video, text, timeEmbedding, attention);
            video.MoveToOuterDisposeScope();
            text.MoveToOuterDisposeScope();
        }

        var output = proj_out.forward(norm_out.forward(norm_final.forward(video), timeEmbedding));
        return patch_embed.Unpatchify(output, batch, grid.Temporal, grid.Height, grid.Width);
    }

    /// <summary>
    /// Block <paramref name="layer"/>'s keys and values [B, heads, Lc, headDim] of the context's video tokens: as
    /// recorded, or recomputed from the recorded block inputs as the block's own key/value path computes them.
    /// </summary>
    /// <remarks>
    /// Why the recording's timestep embedding modulates the recorded states, not the current step's: as Wan's
    /// hidden-state context does (it keeps the recording's timestep conditioning), the non-keyframes were last evaluated
    /// at the recording step, and their block inputs belong to that timestep. So the recomputed K/V are the recorded
    /// LayerKv K/V to rounding, at every step of the group, and the three storages give one method.
    /// </remarks>
    private (Tensor Key, Tensor Value) ContextKeyValue(int layer, JointFrameContext context, (Tensor Cos, Tensor Sin)? rope) =>
        context.Storage == ContextKind.LayerKv
            ? context.KeyValue(layer)
            : transformer_blocks[layer].VideoKeyValue(context.Hidden(layer).to(Device, non_blocking: true).to(ScalarType.Float32), context.Conditioning, rope!.Value.Cos, rope.Value.Sin);

    private (int Temporal, int Height, int Width) CheckLatent(Tensor latents, string name)
    {
        ArgumentNullException.ThrowIfNull(latents, name);
        var (p, pt) = (Config.PatchSize, Config.PatchSizeT);
        if (latents.ndim != 5 || latents.shape[2] != Config.InChannels || latents.shape[1] == 0 || latents.shape[3] % p != 0 || latents.shape[4] % p != 0)
        {
            throw new ArgumentException($"latents must be [B, F, {Config.InChannels}, H, W] (diffusers' CogVideoX layout) with H and W multiples of {p}, got [{string.Join(", ", latents.shape)}]", name);
        }

        if (latents.shape[1] % pt != 0)
        {
            throw new ArgumentException($"the latent frame count {latents.shape[1]} is not a multiple of patch_size_t {pt}: pad it as the pipeline does (CogVideoXLatentFrames.Padded)", name);
        }

        var (height, width) = (latents.shape[3] / p, latents.shape[4] / p);
        var (maxHeight, maxWidth) = (Config.SampleHeight / p, Config.SampleWidth / p);
        if (height > maxHeight || width > maxWidth)
        {
            // The pipeline's "slice" rotary grid has only sample_height/p × sample_width/p positions.
            throw new ArgumentException($"a latent of {latents.shape[3]}×{latents.shape[4]} exceeds the rotary grid of sample_height × sample_width = {Config.SampleHeight}×{Config.SampleWidth}", name);
        }

        return ((int)(latents.shape[1] / pt), (int)height, (int)width);
    }

    private static Tensor CheckTimestep(Tensor timestep, long batch)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        if (timestep.ndim != 1 || (timestep.shape[0] != batch && timestep.shape[0] != 1))
        {
            throw new ArgumentException($"timestep must be [{batch}] or [1], got [{string.Join(", ", timestep.shape)}]", nameof(timestep));
        }

        return timestep.expand(batch);
    }

    private Tensor CheckText(Tensor encoderHiddenStates, long batch)
    {
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (encoderHiddenStates.ndim != 3 || encoderHiddenStates.shape[0] != batch || encoderHiddenStates.shape[2] != Config.TextEmbedDim)
        {
            throw new ArgumentException($"encoder hidden states must be [{batch}, L, {Config.TextEmbedDim}], got [{string.Join(", ", encoderHiddenStates.shape)}]", nameof(encoderHiddenStates));
        }

        return encoderHiddenStates;
    }
}
