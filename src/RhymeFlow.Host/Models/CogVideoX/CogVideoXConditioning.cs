using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// A run's CogVideoX conditioning (<see cref="IVideoTransformer.PrepareConditioning"/>): the text-encoder states of
/// every model row on the model's device, [clips, L, d] or, with classifier-free guidance in one batch, the prompts
/// then the negative prompts [2 · clips, L, d]. Owns its tensor, detached from every dispose scope, until disposed.
/// </summary>
public sealed class CogVideoXConditioning : IVideoConditioning
{
    private bool disposed;

    internal CogVideoXConditioning(Tensor text)
    {
        Text = text.DetachFromDisposeScope();
        SizeBytes = text.NumberOfElements * text.ElementSize;
    }

    /// <summary>Text-encoder states [rows, L, text_embed_dim].</summary>
    public Tensor Text { get; }

    public long BatchSize => Text.shape[0];

    public long SizeBytes { get; }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Text.Dispose();
    }
}
