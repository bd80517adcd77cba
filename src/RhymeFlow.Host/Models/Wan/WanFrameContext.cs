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
    private readonly RecordedLayers layers;
    private WanTimeConditioning? time;

    internal WanFrameContext(WanContextKind kind, IReadOnlyList<int> frames, long batchSize, int gridHeight, int gridWidth)
    {
        Kind = kind;
        layers = new RecordedLayers(this, hiddenOnHost: kind == WanContextKind.HiddenOnHost);
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
    public int LayerCount => layers.Count;

    /// <summary>Bytes held, on the device and on the host together.</summary>
    public long SizeBytes => layers.SizeBytes;

    /// <summary>Of <see cref="SizeBytes"/>, the hidden states kept in host memory (<see cref="WanContextKind.HiddenOnHost"/>; else 0).</summary>
    public long HostSizeBytes => layers.HostSizeBytes;

    internal WanTimeConditioning Time => time ?? throw new InvalidOperationException("No timestep conditioning was recorded.");

    internal (Tensor Key, Tensor Value) KeyValue(int layer) => layers.KeyValue(layer);

    /// <summary>Input hidden states of <paramref name="layer"/>, in host memory for <see cref="WanContextKind.HiddenOnHost"/>.</summary>
    internal Tensor Hidden(int layer) => layers.Hidden(layer);

    internal void AddKeyValue(Tensor key, Tensor value) => layers.AddKeyValue(key, value);

    /// <summary>Adopts the next layer's input hidden states, moving them to the host for <see cref="WanContextKind.HiddenOnHost"/>.</summary>
    internal void AddHidden(Tensor states) => layers.AddHidden(states);

    internal void SetTime(WanTimeConditioning conditioning)
    {
        foreach (var tensor in conditioning.Tensors())
        {
            layers.Adopt(tensor);
        }

        time = conditioning;
    }

    public void Dispose() => layers.Dispose();
}
