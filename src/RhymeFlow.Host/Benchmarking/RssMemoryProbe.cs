namespace RhymeFlow.Host.Benchmarking;

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
