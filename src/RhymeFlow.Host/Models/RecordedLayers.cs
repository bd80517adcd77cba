using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// What every family's recorded frame context holds: per layer either keys and values or input hidden states (on the
/// device or in host memory), and the tensors it owns, detached from every dispose scope until <see cref="Dispose"/>.
/// </summary>
internal sealed class RecordedLayers : IDisposable
{
    private readonly List<(Tensor Key, Tensor Value)> keyValues = [];
    private readonly List<Tensor> hidden = [];
    private readonly List<Tensor> owned = [];
    private readonly object owner;

    /// <param name="owner">The context, named when a disposed one is used.</param>
    /// <param name="hiddenOnHost">Whether the hidden states are copied to host memory as they are added.</param>
    public RecordedLayers(object owner, bool hiddenOnHost)
    {
        this.owner = owner;
        HiddenOnHost = hiddenOnHost;
    }

    public bool HiddenOnHost { get; }

    public bool IsDisposed { get; private set; }

    /// <summary>Layers recorded so far, of whichever kind was recorded.</summary>
    public int Count => Math.Max(keyValues.Count, hidden.Count);

    /// <summary>Bytes held, on the device and on the host together.</summary>
    public long SizeBytes => owned.Sum(Bytes);

    /// <summary>Of <see cref="SizeBytes"/>, the hidden states kept in host memory.</summary>
    public long HostSizeBytes => HiddenOnHost ? hidden.Sum(Bytes) : 0;

    public (Tensor Key, Tensor Value) KeyValue(int layer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, owner);
        return keyValues[layer];
    }

    /// <summary>Input hidden states of <paramref name="layer"/>, in host memory when <see cref="HiddenOnHost"/>.</summary>
    public Tensor Hidden(int layer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, owner);
        return hidden[layer];
    }

    public void AddKeyValue(Tensor key, Tensor value) => keyValues.Add((Adopt(key), Adopt(value)));

    public void AddHidden(Tensor states) => hidden.Add(Adopt(HiddenOnHost ? ToHost(states) : states));

    /// <summary>Takes ownership of <paramref name="tensor"/> (a conditioning tensor kept beside the layers).</summary>
    public Tensor Adopt(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, owner);
        owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    /// <summary>Releases every owned tensor. Idempotent.</summary>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        foreach (var tensor in owned)
        {
            tensor.Dispose();
        }

        owned.Clear();
        keyValues.Clear();
        hidden.Clear();
    }

    private static long Bytes(Tensor tensor) => tensor.NumberOfElements * tensor.ElementSize;

    /// <summary>A host copy, pinned where CUDA is present so that the per-layer upload can overlap compute.</summary>
    private static Tensor ToHost(Tensor states)
    {
        var host = states.cpu();
        return cuda.is_available() ? host.pin_memory() : host;
    }
}
