namespace RhymeFlow.Host.Runtime;

/// <summary>The machine a measurement ran on, in words, for reports that must name it.</summary>
public static class MachineInfo
{
    /// <summary>The CPU's model name from /proc/cpuinfo, or the OS architecture where that file is absent.</summary>
    public static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (File.Exists(cpuInfo))
        {
            foreach (var line in File.ReadLines(cpuInfo))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }

        return System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString();
    }
}
