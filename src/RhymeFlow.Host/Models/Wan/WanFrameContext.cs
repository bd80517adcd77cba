using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// Self-attention context of some latent frames, recorded during a full forward
/// (<see cref="WanTransformer.ForwardRecording"/>) and consumed by active-frames forwards
/// (<see cref="WanTransformer.ForwardActive"/>), which attend to it instead of recomputing those frames.
/// </summary>
/// <remarks>
/// Holds one entry per layer for every batch row (both CFG branches). Owns its tensors, which are detached from every
/// dispose scope and released by <see cref="Dispose"/>; it is meant to live across the steps of one skip group.
/// </remarks>
public sealed class WanFrameContext : IVideoFrameContext
{
    private readonly List<(Tensor Key, Tensor Value)> keyValues = [];
    private readonly List<Tensor> hidden = [];
    private readonly List<Tensor> owned = [];
    private WanTimeConditioning? time;
    private bool disposed;

    internal WanFrameContext(WanContextKind kind, IReadOnlyList<int> frames, long batchSize, int gridHeight, int gridWidth)
    {
        Kind = kind;
        Frames = frames;
        BatchSize = batchSize;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
    }

    /// <summary>What was recorded.</summary>
    public WanContextKind Kind { get; }

    /// <summary>The recorded latent frames, ascending (true frame indices).</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Batch rows recorded.</summary>
    public long BatchSize { get; }

    /// <summary>Token rows per frame (latent height / patch height).</summary>
    public int GridHeight { get; }

    /// <summary>Token columns per frame (latent width / patch width).</summary>
    public int GridWidth { get; }

    /// <summary>Layers recorded so far (all of them once the recording forward has returned).</summary>
    public int LayerCount => Kind == WanContextKind.KeyValue ? keyValues.Count : hidden.Count;

    /// <summary>Bytes held, on the device and on the host together.</summary>
    public long SizeBytes => owned.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>Of <see cref="SizeBytes"/>, the hidden states kept in host memory (<see cref="WanContextKind.HiddenOnHost"/>; else 0).</summary>
    public long HostSizeBytes => Kind == WanContextKind.HiddenOnHost ? hidden.Sum(t => t.NumberOfElements * t.ElementSize) : 0;

    internal WanTimeConditioning Time => time ?? throw new InvalidOperationException("No timestep conditioning was recorded.");

    internal (Tensor Key, Tensor Value) KeyValue(int layer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return keyValues[layer];
    }

    internal Tensor Hidden(int layer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return hidden[layer];
    }

    internal void AddKeyValue(Tensor key, Tensor value) => keyValues.Add((Adopt(key), Adopt(value)));

    internal void AddHidden(Tensor states) => hidden.Add(Adopt(states));

    internal void SetTime(WanTimeConditioning conditioning)
    {
        foreach (var tensor in conditioning.Tensors())
        {
            Adopt(tensor);
        }

        time = conditioning;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var tensor in owned)
        {
            tensor.Dispose();
        }

        owned.Clear();
        keyValues.Clear();
        hidden.Clear();
    }

    private Tensor Adopt(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }
}
