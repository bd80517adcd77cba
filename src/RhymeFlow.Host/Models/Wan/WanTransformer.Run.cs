using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>The evaluation shared by the full, recording and active-frames forwards.</summary>
public sealed partial class WanTransformer
{
    /// <summary>
    /// Runs the model on the tokens of <paramref name="frames"/> (true frame indices of the latent's frames, in order).
    /// Records into <paramref name="recording"/> for <paramref name="recordFrames"/> when given, and attends to
    /// <paramref name="context"/> when given. <paramref name="reduction"/>, when given, replaces every block's self-attention;
    /// <paramref name="stepCache"/>, when given, may skip the block stack or all of it but block 0.
    /// </summary>
    private Tensor Run(
        Tensor latents,
        IReadOnlyList<int> frames,
        Tensor timestep,
        WanTextContext text,
        WanFrameContext? recording,
        IReadOnlyList<int>? recordFrames,
        WanFrameContext? context,
        ISelfAttentionReduction? reduction,
        IBlockStackCache? stepCache = null)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(text);
        var batch = latents.shape[0];
        if (text.BatchSize != batch)
        {
            throw new ArgumentException($"the text context has batch {text.BatchSize}, the latents {batch}", nameof(text));
        }

        using var noGrad = InferenceGradMode();
        using var scope = NewDisposeScope();
        var (gridFrames, gridHeight, gridWidth) = CheckLatent(latents, nameof(latents));
        var tokensPerFrame = gridHeight * gridWidth;

        var hidden = patch_embedding.forward(latents.to(DType, Device)).flatten(2).transpose(1, 2);
        var time = WanTimeConditioning.Create(condition_embedder, timestep, batch, gridFrames * tokensPerFrame, Device);
        var ropeTable = rope.Table(frames, gridHeight, gridWidth);

        Tensor? recordIndex = null;
        if (recording is not null && recordFrames is not null)
        {
            var slot = frames.Select((frame, position) => (frame, position)).ToDictionary(p => p.frame, p => p.position);
            var positions = recordFrames.Select(f => slot[f]);
            recordIndex = tensor(positions.SelectMany(p => Enumerable.Range(p * tokensPerFrame, tokensPerFrame).Select(t => (long)t)).ToArray(), device: Device);
            if (recording.Kind != WanContextKind.KeyValue)
            {
                recording.SetTime(time.SelectTokens(recordIndex));
            }
        }

        var contextRope = context is { Kind: not WanContextKind.KeyValue } ? rope.Table(context.Frames, gridHeight, gridWidth) : null;

        // Keys/values are the tokens' own, then the context's (see WanTransformerBlock.Forward).
        var queryTokens = new VideoTokenLayout(frames, gridHeight, gridWidth);
        var keyValueTokens = context is null ? queryTokens : new VideoTokenLayout([.. frames, .. context.Frames], gridHeight, gridWidth);

        // A step cache sees the stack's input and block 0's output, so those two stay alive to the end of the forward.
        var stackInput = hidden;
        Tensor? firstOutput = null;
        var skipped = stepCache?.BeforeBlocks(hidden, PerRowProjection(time));
        for (var layer = 0; layer < blocks.Count && skipped is null; layer++)
        {
            using var layerScope = NewDisposeScope();
            var block = blocks[layer];
            var (textKey, textValue) = text.Layer(layer);
            var (extraKey, extraValue) = context is null ? (null, null) : ContextKeyValue(block, layer, context, contextRope);

            Action<Tensor, Tensor>? recordKeyValue = null;
            if (recording is not null && recordIndex is not null)
            {
                switch (recording.Kind)
                {
                    case WanContextKind.KeyValue:
                        recordKeyValue = (key, value) => recording.AddKeyValue(key.index_select(2, recordIndex), value.index_select(2, recordIndex));
                        break;
                    case WanContextKind.Hidden or WanContextKind.HiddenOnHost:
                        recording.AddHidden(hidden.index_select(1, recordIndex));
                        break;
                }
            }

            // Release each layer's input as soon as its output exists: kept to the end of the forward, the
            // 30 residual-stream tensors of a 480p clip would hold about 6 GB.
            var site = reduction is null ? null : new SelfAttentionSite(reduction, layer, queryTokens, keyValueTokens);
            var next = block.Forward(hidden, time, ropeTable, textKey, textValue, extraKey, extraValue, recordKeyValue, site).MoveToOuterDisposeScope();
            if (stepCache is null || layer > 1)
            {
                hidden.Dispose();
            }

            hidden = next;
            if (stepCache is not null && layer == 0)
            {
                firstOutput = next;
                skipped = stepCache.AfterFirstBlock(stackInput, next)?.MoveToOuterDisposeScope();
            }
        }

        if (skipped is not null)
        {
            hidden = skipped;
        }
        else
        {
            stepCache?.AfterBlocks(stackInput, firstOutput ?? stackInput, hidden);
        }

        // Output norm (float32, no affine), modulation by scale_shift_table + temb, projection, unpatchify.
        var modulation = time.Modulate(scale_shift_table, time.Temb.unsqueeze(1));
        var normalized = nn.functional.layer_norm(hidden.to(ScalarType.Float32), [Config.InnerDim], null, null, Config.Eps);
        var output = proj_out.forward((normalized * modulation[1].add(Scalars.One, Scalars.One)).add(modulation[0], Scalars.One).to(DType));
        var patch = Config.PatchSize;
        var velocity = output
            .view(batch, gridFrames, gridHeight, gridWidth, patch.T, patch.H, patch.W, Config.OutChannels)
            .permute(0, 7, 1, 4, 2, 5, 3, 6)
            .reshape(batch, Config.OutChannels, gridFrames * patch.T, gridHeight * patch.H, gridWidth * patch.W);
        return velocity.MoveToOuterDisposeScope();
    }

    /// <summary>Each row's time projection [B, 6, dim]: what TeaCache watches, defined when the timestep is per row.</summary>
    private static Tensor PerRowProjection(WanTimeConditioning time) =>
        time.Index is null
            ? time.Projection
            : throw new InvalidOperationException(
                "A step cache needs one timestep per row (plans whose evaluations are all full); this evaluation has per-token timesteps.");

    /// <summary>The context's keys and values for one layer, [B, H, Lc, D] on the device.</summary>
    private (Tensor Key, Tensor Value) ContextKeyValue(WanTransformerBlock block, int layer, WanFrameContext context, Tensor? contextRope) =>
        context.Kind switch
        {
            WanContextKind.KeyValue => context.KeyValue(layer),
            WanContextKind.Hidden or WanContextKind.HiddenOnHost =>
                block.SelfKeyValue(context.Hidden(layer).to(Device, non_blocking: true), context.Time, contextRope!),
            _ => throw new ArgumentOutOfRangeException(nameof(context), context.Kind, "unknown context kind"),
        };

    private (int Frames, int Height, int Width) CheckLatent(Tensor latents, string name)
    {
        var patch = Config.PatchSize;
        if (latents.ndim != 5 || latents.shape[1] != Config.InChannels
            || latents.shape[2] % patch.T != 0 || latents.shape[3] % patch.H != 0 || latents.shape[4] % patch.W != 0)
        {
            throw new ArgumentException(
                $"{name} must be [B, {Config.InChannels}, F, H, W] with F, H, W multiples of the patch ({patch.T}, {patch.H}, {patch.W}), got [{string.Join(", ", latents.shape)}]",
                name);
        }

        return ((int)(latents.shape[2] / patch.T), (int)(latents.shape[3] / patch.H), (int)(latents.shape[4] / patch.W));
    }

    private void CheckContext(WanFrameContext context, long batch, (int Frames, int Height, int Width) grid, IReadOnlyList<int> activeFrames)
    {
        if (context.LayerCount != Config.NumLayers)
        {
            throw new ArgumentException($"the context holds {context.LayerCount} layers, the model has {Config.NumLayers}", nameof(context));
        }

        if (context.BatchSize != batch || context.GridHeight != grid.Height || context.GridWidth != grid.Width)
        {
            throw new ArgumentException(
                $"the context was recorded for batch {context.BatchSize} and a {context.GridHeight}x{context.GridWidth} token grid; the active latents have batch {batch} and {grid.Height}x{grid.Width}",
                nameof(context));
        }

        var overlap = activeFrames.Intersect(context.Frames).ToArray();
        if (overlap.Length > 0)
        {
            throw new ArgumentException($"frames [{string.Join(", ", overlap)}] are both active and in the context", nameof(activeFrames));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rope.Dispose();
        }

        base.Dispose(disposing);
    }
}
