namespace RhymeFlow.Host.Models;

/// <summary>A run's conditioning, prepared once by <see cref="IVideoTransformer.PrepareConditioning"/>; owns its tensors until disposed.</summary>
public interface IVideoConditioning : IDisposable
{
    /// <summary>The model rows it conditions (2 × clips with classifier-free guidance in one batch).</summary>
    long BatchSize { get; }

    /// <summary>Bytes held.</summary>
    long SizeBytes { get; }
}
