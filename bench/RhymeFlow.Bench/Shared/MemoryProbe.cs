namespace RhymeFlow.Bench.Shared;

/// <summary>
/// Peak memory of phases of a benchmark, relative to a baseline taken when the probe is created (create it before
/// the model is built). CUDA: NVML device memory sampled on a background thread; CPU: the process peak RSS.
/// </summary>
internal abstract class MemoryProbe : IDisposable
{
    /// <summary>Bytes in use when the probe was created.</summary>
    public abstract ulong Baseline { get; }

    /// <summary>How the numbers are obtained, for the report.</summary>
    public abstract string Method { get; }

    public static MemoryProbe Create(BenchDevice device) => device.IsCuda ? new NvmlMemoryProbe() : new RssMemoryProbe();

    /// <summary>Starts a phase: its peak is measured from now.</summary>
    public abstract void BeginPhase();

    /// <summary>Ends a phase and returns its peak in bytes (absolute, not minus the baseline).</summary>
    public abstract ulong EndPhase();

    public virtual void Dispose()
    {
    }

    public static string Format(ulong bytes) => $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB";

    /// <summary>Peak minus baseline, as GiB text.</summary>
    public string AboveBaseline(ulong peak) => Format(peak > Baseline ? peak - Baseline : 0);
}

/// <summary>Device memory in use from NVML (device 0), sampled every 2 ms.</summary>
internal sealed class NvmlMemoryProbe : MemoryProbe
{
    private readonly IntPtr device;
    private readonly Thread sampler;
    private readonly CancellationTokenSource stop = new();
    private long peak;

    public NvmlMemoryProbe()
    {
        device = Nvml.Open(0);
        Baseline = Nvml.Used(device);
        peak = (long)Baseline;
        sampler = new Thread(Sample) { IsBackground = true, Name = "nvml-sampler" };
        sampler.Start();
    }

    public override ulong Baseline { get; }

    public override string Method =>
        "NVML nvmlDeviceGetMemoryInfo used (device-wide, sampled every 2 ms) minus the idle baseline taken after CUDA init, before the model was built";

    public override void BeginPhase() => Interlocked.Exchange(ref peak, (long)Nvml.Used(device));

    public override ulong EndPhase()
    {
        Observe(Nvml.Used(device));
        return (ulong)Interlocked.Read(ref peak);
    }

    public override void Dispose()
    {
        stop.Cancel();
        sampler.Join();
        Nvml.Close();
        stop.Dispose();
    }

    private void Sample()
    {
        while (!stop.IsCancellationRequested)
        {
            Observe(Nvml.Used(device));
            Thread.Sleep(2);
        }
    }

    private void Observe(ulong used)
    {
        var value = (long)used;
        var current = Interlocked.Read(ref peak);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref peak, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>Process peak resident memory (VmHWM of /proc/self/status), reset per phase through /proc/self/clear_refs.</summary>
internal sealed class RssMemoryProbe : MemoryProbe
{
    private bool resettable = true;

    public RssMemoryProbe() => Baseline = Read("VmRSS");

    public override ulong Baseline { get; }

    public override string Method => resettable
        ? "process peak RSS (VmHWM, reset per row through /proc/self/clear_refs) minus the RSS before the model was built"
        : "process peak RSS (VmHWM since process start; /proc/self/clear_refs was not writable) minus the RSS before the model was built";

    public override void BeginPhase()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            resettable = false;
        }
    }

    public override ulong EndPhase() => Read("VmHWM");

    /// <summary>A "Name:   1234 kB" line of /proc/self/status, in bytes (0 where unavailable).</summary>
    private static ulong Read(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var parts = line[(field.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
