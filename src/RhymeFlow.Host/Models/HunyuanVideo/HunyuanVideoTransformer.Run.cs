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
    /// replace) each block's video keys/values.
    /// </summary>
    private Tensor Run(
        Tensor latents,
        IReadOnlyList<int> frames,
        Tensor timestep,
        HunyuanVideoPrompt prompt,
        Tensor? guidance,
        JointFrameContext? context,
        Func<int, Tensor, Tensor, (Tensor Key, Tensor Value)>? keyValueHook)
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

        for (var layer = 0; layer < BlockCount; layer++)
        {
            using var layerScope = NewDisposeScope();
            var (extraKey, extraValue) = context is null ? ((Tensor?)null, (Tensor?)null) : context.KeyValue(layer);
            var block = layer;
            var hook = keyValueHook is null ? null : new Func<Tensor, Tensor, (Tensor, Tensor)>((key, value) => keyValueHook(block, key, value));
            var inputs = new HunyuanVideoLayerInputs(temb, rope, keyMask, extraKey, extraValue, hook);
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
