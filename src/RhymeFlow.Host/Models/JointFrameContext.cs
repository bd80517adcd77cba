using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// The recorded video context of some plan frames in every block of a joint-attention family (CogVideoX,
/// HunyuanVideo), taken during a recording forward and attended to by keyframe-only forwards instead of recomputing
/// those frames.
/// </summary>
/// <remarks>
/// <para>What it holds depends on <see cref="Storage"/>:</para>
/// <list type="bullet">
/// <item><see cref="ContextKind.LayerKv"/>: each block's video keys and values of the frames, after the query/key norm
/// and the rotation at the frames' true positions, so a later forward uses them as they are.</item>
/// <item><see cref="ContextKind.LayerHiddenDevice"/>: each block's input hidden states of the frames' video tokens (in
/// the model dtype, half the bytes of the K/V), plus the recording's conditioning vector; a keyframe-only forward turns
/// them back into K/V per block (see <see cref="Conditioning"/>).</item>
/// <item><see cref="ContextKind.LayerHiddenHost"/>: the same, with the hidden states in host memory (pinned where CUDA
/// is present) and brought back to the device one block at a time.</item>
/// </list>
/// <para>Text tokens are never recorded: they are queries of every keyframe-only forward and are recomputed there.
/// Owns its tensors, detached from every dispose scope, until <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class JointFrameContext : IVideoFrameContext
{
    private readonly RecordedLayers layers;
    private Tensor? conditioning;

    internal JointFrameContext(ContextKind storage, IReadOnlyList<int> frames, long batchSize, int gridHeight, int gridWidth)
    {
        if (storage is not (ContextKind.LayerKv or ContextKind.LayerHiddenDevice or ContextKind.LayerHiddenHost))
        {
            throw new ArgumentOutOfRangeException(nameof(storage), storage, "A recorded context is LayerKv, LayerHiddenDevice or LayerHiddenHost.");
        }

        Storage = storage;
        layers = new RecordedLayers(this, hiddenOnHost: storage == ContextKind.LayerHiddenHost);
        Frames = frames;
        BatchSize = batchSize;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
    }

    /// <summary>What was recorded: <see cref="ContextKind.LayerKv"/>, <see cref="ContextKind.LayerHiddenDevice"/> or <see cref="ContextKind.LayerHiddenHost"/>.</summary>
    public ContextKind Storage { get; }

    /// <summary>The recorded plan frames (temporal tokens), ascending.</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Batch rows recorded.</summary>
    public long BatchSize { get; }

    /// <summary>Token rows per frame (latent height / patch).</summary>
    public int GridHeight { get; }

    /// <summary>Token columns per frame (latent width / patch).</summary>
    public int GridWidth { get; }

    /// <summary>Blocks recorded so far (all of them once the recording forward has returned).</summary>
    public int LayerCount => layers.Count;

    /// <summary>Bytes held, on the device and on the host together.</summary>
    public long SizeBytes => layers.SizeBytes;

    /// <summary>Of <see cref="SizeBytes"/>, the hidden states kept in host memory (<see cref="ContextKind.LayerHiddenHost"/>; else 0).</summary>
    public long HostSizeBytes => layers.HostSizeBytes;

    /// <summary>Of <see cref="SizeBytes"/>, what stays on the model's device: the K/V, or the hidden states and the conditioning vector.</summary>
    public long DeviceSizeBytes => SizeBytes - HostSizeBytes;

    /// <summary>
    /// The recording's conditioning vector [B, ·] float32 on the device (CogVideoX's timestep embedding, HunyuanVideo's
    /// temb), which modulates the recorded hidden states when K/V are recomputed from them.
    /// </summary>
    internal Tensor Conditioning
    {
        get
        {
            ObjectDisposedException.ThrowIf(layers.IsDisposed, this);
            return conditioning ?? throw new InvalidOperationException($"This {Storage} context recorded no conditioning vector.");
        }
    }

    /// <summary>Releases every recorded tensor. Idempotent.</summary>
    public void Dispose()
    {
        layers.Dispose();
        conditioning = null;
    }

    /// <summary>Keys and values [B, heads, Lc, headDim] of block <paramref name="layer"/> (<see cref="ContextKind.LayerKv"/>).</summary>
    internal (Tensor Key, Tensor Value) KeyValue(int layer)
    {
        RequireStorage(Storage == ContextKind.LayerKv, "keys and values");
        return layers.KeyValue(layer);
    }

    /// <summary>Input hidden states [B, Lc, dim] of block <paramref name="layer"/>, on the host for <see cref="ContextKind.LayerHiddenHost"/>.</summary>
    internal Tensor Hidden(int layer)
    {
        RequireStorage(Storage != ContextKind.LayerKv, "hidden states");
        return layers.Hidden(layer);
    }

    internal void Add(Tensor key, Tensor value)
    {
        RequireStorage(Storage == ContextKind.LayerKv, "keys and values");
        layers.AddKeyValue(key, value);
    }

    /// <summary>Adopts the next block's input hidden states [B, Lc, dim], moving them to the host for <see cref="ContextKind.LayerHiddenHost"/>.</summary>
    internal void AddHidden(Tensor states)
    {
        RequireStorage(Storage != ContextKind.LayerKv, "hidden states");
        layers.AddHidden(states);
    }

    /// <summary>Adopts the recording's conditioning vector (once per recording, before the first block).</summary>
    internal void SetConditioning(Tensor vector)
    {
        RequireStorage(Storage != ContextKind.LayerKv, "a conditioning vector");
        if (conditioning is not null)
        {
            throw new InvalidOperationException("The conditioning vector is recorded once per context.");
        }

        conditioning = layers.Adopt(vector);
    }

    /// <summary>
    /// Throws unless the context fits a keyframe-only forward of a model with <paramref name="layers"/> blocks on
    /// <paramref name="batch"/> rows of a <paramref name="gridHeight"/> × <paramref name="gridWidth"/> token grid
    /// whose active frames are <paramref name="activeFrames"/> (none of which may be recorded).
    /// </summary>
    /// <exception cref="ArgumentException">It does not fit; the message says how.</exception>
    internal void CheckFits(int layers, long batch, int gridHeight, int gridWidth, IReadOnlyList<int> activeFrames, string parameterName)
    {
        if (LayerCount != layers)
        {
            throw new ArgumentException($"the context holds {LayerCount} blocks, the model has {layers}", parameterName);
        }

        if (BatchSize != batch || GridHeight != gridHeight || GridWidth != gridWidth)
        {
            throw new ArgumentException(
                $"the context was recorded for batch {BatchSize} and a {GridHeight}x{GridWidth} token grid; the active latents have batch {batch} and {gridHeight}x{gridWidth}",
                parameterName);
        }

        var overlap = activeFrames.Intersect(Frames).ToArray();
        if (overlap.Length > 0)
        {
            throw new ArgumentException($"frames [{string.Join(", ", overlap)}] are both active and in the context", parameterName);
        }
    }

    private void RequireStorage(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"A {Storage} context holds no {what}.");
        }
    }

}
