using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The recorded keys and values of chosen temporal tokens ("frames" of a plan: <c>patch_size_t</c> latent frames
/// each), per layer, after the query/key norm and the rotation: what a keyframe-only evaluation attends to in place
/// of computing those tokens. Owns its tensors (detached from every dispose scope); dispose it when done.
/// </summary>
public sealed class CogVideoXFrameContext : IDisposable
{
    private readonly List<(Tensor Key, Tensor Value)> keyValues = [];
    private bool disposed;

    internal CogVideoXFrameContext(IReadOnlyList<int> temporalTokens, long batchSize, long gridHeight, long gridWidth)
    {
        TemporalTokens = temporalTokens;
        BatchSize = batchSize;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
    }

    /// <summary>The recorded temporal token indices, ascending.</summary>
    public IReadOnlyList<int> TemporalTokens { get; }

    /// <summary>The batch size of the recording.</summary>
    public long BatchSize { get; }

    /// <summary>Token rows per temporal token (latent height / patch).</summary>
    public long GridHeight { get; }

    /// <summary>Token columns per temporal token (latent width / patch).</summary>
    public long GridWidth { get; }

    /// <summary>Layers recorded.</summary>
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
}
