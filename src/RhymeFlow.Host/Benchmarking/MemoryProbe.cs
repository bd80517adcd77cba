namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// Peak memory of phases of a benchmark, relative to a baseline taken when the probe is created (create it before
/// the model is built). CUDA: NVML device memory sampled on a background thread; CPU: the process peak RSS.
/// </summary>
public abstract class MemoryProbe : IDisposable
{
    /// <summary>Bytes in use when the probe was created.</summary>
    public abstract ulong Baseline { get; }

    /// <summary>How the numbers are obtained, for the report.</summary>
    public abstract string Method { get; }

    /// <summary>NVML on CUDA, peak RSS on the CPU.</summary>
    public static MemoryProbe Create(BenchDevice device) => device.IsCuda ? new NvmlMemoryProbe() : new RssMemoryProbe();

    /// <summary>Starts a phase: its peak is measured from now.</summary>
    public abstract void BeginPhase();

    /// <summary>Ends a phase and returns its peak in bytes (absolute, not minus the baseline).</summary>
    public abstract ulong EndPhase();

    /// <summary>Stops sampling, where the probe samples.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the probe holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Bytes as GiB text.</summary>
    public static string Format(ulong bytes) => $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB";

    /// <summary>Peak minus baseline, as GiB text.</summary>
    public string AboveBaseline(ulong peak) => Format(peak > Baseline ? peak - Baseline : 0);
}
