namespace RhymeFlow.Host.Benchmarking;

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

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

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
