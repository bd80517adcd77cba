using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// The recorded video keys and values of some plan frames in every block of a joint-attention family (CogVideoX,
/// HunyuanVideo), taken during a recording forward and attended to by keyframe-only forwards instead of recomputing
/// those frames.
/// </summary>
/// <remarks>
/// Keys are stored after the query/key norm and the rotation at the frames' true positions, so a later forward uses
/// them as they are. Owns its tensors, detached from every dispose scope, until <see cref="Dispose"/>.
/// </remarks>
public sealed class JointFrameContext : IVideoFrameContext
{
    private readonly List<(Tensor Key, Tensor Value)> keyValues = [];
    private bool disposed;

    internal JointFrameContext(IReadOnlyList<int> frames, long batchSize, int gridHeight, int gridWidth)
    {
        Frames = frames;
        BatchSize = batchSize;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
    }

    /// <summary>The recorded plan frames (temporal tokens), ascending.</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Batch rows recorded.</summary>
    public long BatchSize { get; }

    /// <summary>Token rows per frame (latent height / patch).</summary>
    public int GridHeight { get; }

    /// <summary>Token columns per frame (latent width / patch).</summary>
    public int GridWidth { get; }

    /// <summary>Blocks recorded so far (all of them once the recording forward has returned).</summary>
    public int LayerCount => keyValues.Count;

    /// <summary>Bytes held.</summary>
    public long SizeBytes => keyValues.Sum(kv => (kv.Key.NumberOfElements * kv.Key.ElementSize) + (kv.Value.NumberOfElements * kv.Value.ElementSize));

    /// <summary>Releases every recorded tensor. Idempotent.</summary>
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

    /// <summary>Keys and values [B, heads, Lc, headDim] of block <paramref name="layer"/>.</summary>
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
}
