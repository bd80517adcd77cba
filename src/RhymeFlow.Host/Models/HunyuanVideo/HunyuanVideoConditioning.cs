using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// A run's HunyuanVideo conditioning (<see cref="IVideoTransformer.PrepareConditioning"/>): the prompt, one row per
/// clip on the model's device, and the embedded guidance [B] (scale × 1000). Owns its tensors, detached from every
/// dispose scope, until disposed.
/// </summary>
public sealed class HunyuanVideoConditioning : IVideoConditioning
{
    private bool disposed;

    internal HunyuanVideoConditioning(HunyuanVideoPrompt prompt, Tensor guidance)
    {
        Prompt = prompt;
        Guidance = guidance;
        foreach (var tensor in Tensors())
        {
            tensor.DetachFromDisposeScope();
            SizeBytes += tensor.NumberOfElements * tensor.ElementSize;
        }
    }

    /// <summary>The prompt, one row per clip.</summary>
    public HunyuanVideoPrompt Prompt { get; }

    /// <summary>The embedded guidance [B], scale × 1000 as the pipeline passes it.</summary>
    public Tensor Guidance { get; }

    public long BatchSize => Prompt.EncoderHiddenStates.shape[0];

    public long SizeBytes { get; }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var tensor in Tensors())
        {
            tensor.Dispose();
        }
    }

    private Tensor[] Tensors() => [Prompt.EncoderHiddenStates, Prompt.AttentionMask, Prompt.PooledProjections, Guidance];
}
