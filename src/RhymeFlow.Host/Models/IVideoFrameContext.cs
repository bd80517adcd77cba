namespace RhymeFlow.Host.Models;

/// <summary>The recorded context of some plan frames (per layer K/V or hidden states), owned until disposed.</summary>
public interface IVideoFrameContext : IDisposable
{
    /// <summary>The recorded plan frames, ascending.</summary>
    IReadOnlyList<int> Frames { get; }

    /// <summary>Bytes held, on the device and the host together.</summary>
    long SizeBytes { get; }
}
