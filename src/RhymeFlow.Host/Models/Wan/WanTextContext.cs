using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// The text conditioning of a run, computed once by <see cref="WanTransformer.PrepareText"/> and reused by every
/// evaluation: per layer, the cross-attention keys (after RMSNorm) and values of the projected text, each
/// [B, heads, text length, head dim] in the model dtype.
/// </summary>
/// <remarks>Owns its tensors (detached from every dispose scope); dispose it when the run ends.</remarks>
public sealed class WanTextContext : IVideoConditioning
{
    private readonly (Tensor Key, Tensor Value)[] layers;
    private bool disposed;

    internal WanTextContext((Tensor Key, Tensor Value)[] layers, long batchSize, long length)
    {
        this.layers = layers;
        BatchSize = batchSize;
        Length = length;
        foreach (var (key, value) in layers)
        {
            key.DetachFromDisposeScope();
            value.DetachFromDisposeScope();
            SizeBytes += key.NumberOfElements * key.ElementSize + value.NumberOfElements * value.ElementSize;
        }
    }

    /// <summary>Batch rows (2 for batched CFG: the prompt and the negative prompt).</summary>
    public long BatchSize { get; }

    /// <summary>Text tokens per row.</summary>
    public long Length { get; }

    /// <summary>Bytes held on the device.</summary>
    public long SizeBytes { get; }

    internal (Tensor Key, Tensor Value) Layer(int index)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return layers[index];
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var (key, value) in layers)
        {
            key.Dispose();
            value.Dispose();
        }
    }
}
