using System.Diagnostics;
using System.Globalization;

namespace RhymeFlow.Cluster.Benchmarking;

/// <summary>A <c>rhymeflow worker</c> process on this machine, with one torch thread; disposing kills it.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    /// <summary>Starts a worker of the cluster at <paramref name="redis"/>; its output goes to <paramref name="log"/>.</summary>
    /// <param name="command">The program and the arguments before <c>worker</c>.</param>
    /// <param name="redis">The cluster.</param>
    /// <param name="extra">More worker options (e.g. --model DIR).</param>
    /// <param name="log">A file for the worker's output.</param>
    public static WorkerProcess Start(IReadOnlyList<string> command, RedisAddress redis, IReadOnlyList<string> extra, string log)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(extra);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Skip(1).Concat(["worker", "--cluster", redis.ToString(), "--threads", 1.ToString(CultureInfo.InvariantCulture)]).Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}.");
        var writer = TextWriter.Synchronized(new StreamWriter(log) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => writer.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => writer.WriteLine(e.Data);
        process.Exited += (_, _) => writer.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the process at once, as a crash would: no lease is handed back.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>The command that starts this process's own program again: its executable, and its dll under <c>dotnet</c>.</summary>
    public static IReadOnlyList<string> SelfCommand(string entryAssembly)
    {
        var executable = Environment.ProcessPath ?? throw new InvalidOperationException("This process's executable is unknown.");
        return Path.GetFileNameWithoutExtension(executable) == "dotnet" ? [executable, entryAssembly] : [executable];
    }
}
