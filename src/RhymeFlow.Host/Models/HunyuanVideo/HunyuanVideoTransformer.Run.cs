using RhymeFlow.Core;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>The evaluation shared by the full, recording and keyframe-only forwards, and the input checks.</summary>
public sealed partial class HunyuanVideoTransformer
{
    /// <summary>
    /// Runs the model on the tokens of <paramref name="frames"/> (true latent-frame indices of the latent's frames, in
    /// order), attending also to <paramref name="context"/> when given; <paramref name="keyValueHook"/> sees (and may
    /// replace) each block's video keys/values; <paramref name="reduction"/>, when given, reduces every block's video
    /// tokens (the computed ones as queries, those and the context's as keys/values), never the text;
    /// <paramref name="blockInput"/>, when given, sees each block's index, video input and the conditioning vector.
    /// </summary>
    private Tensor Run(
        Tensor latents,
        IReadOnlyList<int> frames,
        Tensor timestep,
        HunyuanVideoPrompt prompt,
        Tensor? guidance,
        JointFrameContext? context,
        Func<int, Tensor, Tensor, (Tensor Key, Tensor Value)>? keyValueHook,
        ISelfAttentionReduction? reduction = null,
        Action<int, Tensor, Tensor>? blockInput = null)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(prompt);
        var batch = latents.shape[0];
        CheckPrompt(prompt, batch);
        using var noGrad = InferenceGradMode();
        using var scope = NewDisposeScope();
        var steps = PerSample(timestep, batch, nameof(timestep));
        var scales = guidance is null ? null : PerSample(guidance, batch, nameof(guidance));
        var (_, gridHeight, gridWidth) = CheckLatent(latents, nameof(latents));
        var textMask = prompt.AttentionMask.to(Device);

        var temb = time_text_embed.Forward(steps, prompt.PooledProjections.to(Device), scales);
        var video = x_embedder.forward(latents.to(DType, Device));
        var text = context_embedder.Forward(prompt.EncoderHiddenStates.to(Device), steps, textMask);
        var rope = HunyuanVideoRotaryEmbedding.Table(Config, frames, gridHeight, gridWidth, Device);
        var contextTokens = context is null ? 0 : context.Frames.Count * gridHeight * gridWidth;
        var keyMask = KeyMask(textMask, video.shape[1] + contextTokens);
        var contextRope = context is null || context.Storage == ContextKind.LayerKv ? null : HunyuanVideoRotaryEmbedding.Table(Config, context.Frames, gridHeight, gridWidth, Device);

        // Keys/values are the computed tokens' own, then the context's (see HunyuanVideoJointAttention).
        var queryTokens = new VideoTokenLayout(frames, gridHeight, gridWidth);
        var keyValueTokens = context is null ? queryTokens : new VideoTokenLayout([.. frames, .. context.Frames], gridHeight, gridWidth);

        for (var layer = 0; layer < BlockCount; layer++)
        {
            using var layerScope = NewDisposeScope();
            blockInput?.Invoke(layer, video, temb);
            var (extraKey, extraValue) = context is null ? ((Tensor?)null, (Tensor?)null) : ContextKeyValue(layer, context, contextRope);
            var block = layer;
            var hook = keyValueHook is null ? null : new Func<Tensor, Tensor, (Tensor, Tensor)>((key, value) => keyValueHook(block, key, value));
            var site = reduction is null ? null : new SelfAttentionSite(reduction, layer, queryTokens, keyValueTokens);
            var inputs = new HunyuanVideoLayerInputs(temb, rope, keyMask, extraKey, extraValue, hook, site);
            var (nextVideo, nextText) = layer < Config.NumLayers
                ? transformer_blocks[layer].Forward(video, text, inputs)
                : single_transformer_blocks[layer - Config.NumLayers].Forward(video, text, inputs);

            // Release each block's input once its output exists: kept to the end, 60 residual streams of a 720p clip
            // would hold tens of GB.
            nextVideo.MoveToOuterDisposeScope();
            nextText.MoveToOuterDisposeScope();
            video.Dispose();
            text.Dispose();
            (video, text) = (nextVideo, nextText);
        }

        // AdaLayerNormContinuous: its linear gives (scale, shift), scale first.
        var modulation = norm_out.Forward(temb);
        var output = proj_out.forward(HunyuanVideoNorms.Modulated(video, modulation[1], modulation[0], DType));
        var p = Config.PatchSize;
        var pt = Config.PatchSizeT;
        var velocity = output
            .view(batch, frames.Count, gridHeight, gridWidth, Config.OutChannels, pt, p, p)
            .permute(0, 4, 1, 5, 2, 6, 3, 7)
            .reshape(batch, Config.OutChannels, frames.Count * pt, gridHeight * p, gridWidth * p);
        return velocity.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Block <paramref name="layer"/>'s keys and values [B, H, Lc, D] of the context's video tokens: as recorded, or
    /// recomputed from the recorded block inputs by the block's own key/value path (dual- or single-stream).
    /// </summary>
    /// <remarks>
    /// Why the recording's conditioning vector (its timestep, guidance and pooled text) modulates the recorded states,
    /// not the current step's: as Wan's hidden-state context does (it keeps the recording's timestep conditioning), the
    /// non-keyframes were last evaluated at the recording step, and their block inputs belong to it. So the recomputed
    /// K/V are the recorded LayerKv K/V to rounding, at every step of the group, and the three storages give one method.
    /// </remarks>
    private (Tensor Key, Tensor Value) ContextKeyValue(int layer, JointFrameContext context, Tensor? rope)
    {
        if (context.Storage == ContextKind.LayerKv)
        {
            return context.KeyValue(layer);
        }

        var states = context.Hidden(layer).to(Device, non_blocking: true);
        var conditioning = context.Conditioning;
        return layer < Config.NumLayers
            ? transformer_blocks[layer].VideoKeyValue(states, conditioning, rope!)
            : single_transformer_blocks[layer - Config.NumLayers].VideoKeyValue(states, conditioning, rope!);
    }

    /// <summary>
    /// [B, 1, 1, videoKeys + Lt] boolean: every video key, and the first sum(mask) text tokens (diffusers counts the
    /// valid tokens and takes that prefix rather than reading the mask position by position).
    /// </summary>
    private Tensor KeyMask(Tensor textMask, long videoKeys)
    {
        var batch = textMask.shape[0];
        var length = textMask.shape[1];
        using var stop = length.ToScalar();
        var positions = arange(Scalars.Zero, stop, Scalars.One, ScalarType.Int64, Device).unsqueeze(0);
        var validText = positions.lt(textMask.ne(Scalars.Zero).sum(1, type: ScalarType.Int64).unsqueeze(1));
        var videoKeysValid = ones(batch, videoKeys, ScalarType.Bool, Device);
        return cat([videoKeysValid, validText], 1).view(batch, 1, 1, -1);
    }

    /// <summary>Token indices of <paramref name="frames"/> in a frame-major sequence of whole frames.</summary>
    private Tensor TokenIndex(IReadOnlyList<int> frames, int tokensPerFrame) =>
        tensor(frames.SelectMany(f => Enumerable.Range(f * tokensPerFrame, tokensPerFrame).Select(t => (long)t)).ToArray(), device: Device);

    /// <summary>A per-sample value [B] on the device in float32, from [B] or a scalar.</summary>
    private Tensor PerSample(Tensor values, long batch, string name)
    {
        if (values.ndim == 0)
        {
            return values.to(ScalarType.Float32, Device).expand(batch);
        }

        if (values.ndim != 1 || values.shape[0] != batch)
        {
            throw new ArgumentException($"{name} must be a scalar or [{batch}] (one per sample), got [{string.Join(", ", values.shape)}]", name);
        }

        return values.to(ScalarType.Float32, Device);
    }

    private void CheckPrompt(HunyuanVideoPrompt prompt, long batch)
    {
        var (states, mask, pooled) = (prompt.EncoderHiddenStates, prompt.AttentionMask, prompt.PooledProjections);
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(pooled);
        if (states.ndim != 3 || states.shape[0] != batch || states.shape[2] != Config.TextEmbedDim)
        {
            throw new ArgumentException($"encoder hidden states must be [{batch}, L, {Config.TextEmbedDim}], got [{string.Join(", ", states.shape)}]", nameof(prompt));
        }

        if (mask.ndim != 2 || mask.shape[0] != batch || mask.shape[1] != states.shape[1])
        {
            throw new ArgumentException($"the encoder attention mask must be [{batch}, {states.shape[1]}], got [{string.Join(", ", mask.shape)}]", nameof(prompt));
        }

        if (pooled.ndim != 2 || pooled.shape[0] != batch || pooled.shape[1] != Config.PooledProjectionDim)
        {
            throw new ArgumentException($"pooled projections must be [{batch}, {Config.PooledProjectionDim}], got [{string.Join(", ", pooled.shape)}]", nameof(prompt));
        }
    }

    private (int Frames, int Height, int Width) CheckLatent(Tensor latents, string name)
    {
        var (p, pt) = (Config.PatchSize, Config.PatchSizeT);
        if (latents.ndim != 5 || latents.shape[1] != Config.InChannels
            || latents.shape[2] % pt != 0 || latents.shape[3] % p != 0 || latents.shape[4] % p != 0)
        {
            throw new ArgumentException(
                $"{name} must be [B, {Config.InChannels}, F, H, W] with F a multiple of {pt} and H, W multiples of {p}, got [{string.Join(", ", latents.shape)}]",
                name);
        }

        return ((int)(latents.shape[2] / pt), (int)(latents.shape[3] / p), (int)(latents.shape[4] / p));
    }
}
