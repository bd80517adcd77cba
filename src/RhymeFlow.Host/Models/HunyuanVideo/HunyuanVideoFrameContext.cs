using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The video keys and values of some latent frames in every block (dual-stream first, then single-stream), recorded
/// during a full forward (<see cref="HunyuanVideoTransformer.ForwardRecording"/>) and attended to by keyframe-only
/// forwards (<see cref="HunyuanVideoTransformer.ForwardActive"/>) instead of recomputing those frames.
/// </summary>
/// <remarks>
/// Keys are stored after qk-norm and RoPE at the frames' true positions, so a later forward uses them as they are.
/// Owns its tensors, detached from every dispose scope, until <see cref="Dispose"/>.
/// </remarks>
public sealed class HunyuanVideoFrameContext : IVideoFrameContext
{
    private readonly List<(Tensor Key, Tensor Value)> keyValues = [];
    private bool disposed;

    internal HunyuanVideoFrameContext(IReadOnlyList<int> frames, long batchSize, int gridHeight, int gridWidth)
    {
        Frames = frames;
        BatchSize = batchSize;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
    }

    /// <summary>The recorded latent frames (after temporal patching), ascending.</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Batch rows recorded.</summary>
    public long BatchSize { get; }

    /// <summary>Token rows per frame.</summary>
    public int GridHeight { get; }

    /// <summary>Token columns per frame.</summary>
    public int GridWidth { get; }

    /// <summary>Blocks recorded so far (all of them once the recording forward has returned).</summary>
    public int LayerCount => keyValues.Count;

    /// <summary>Bytes held.</summary>
    public long SizeBytes => keyValues.Sum(kv => (kv.Key.NumberOfElements * kv.Key.ElementSize) + (kv.Value.NumberOfElements * kv.Value.ElementSize));

    /// <summary>Keys and values [B, H, Lc, D] of block <paramref name="layer"/> (dual-stream blocks first).</summary>
    internal (Tensor Key, Tensor Value) KeyValue(int layer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return keyValues[layer];
    }

    internal void Add(Tensor key, Tensor value)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        keyValues.Add((key.DetachFromDisposeScope(), value.DetachFromDisposeScope()));
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var (key, value) in keyValues)
        {
            key.Dispose();
            value.Dispose();
        }

        keyValues.Clear();
    }
}
