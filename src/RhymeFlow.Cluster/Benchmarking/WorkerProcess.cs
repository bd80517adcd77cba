using System.Diagnostics;
using System.Globalization;

namespace RhymeFlow.Cluster.Benchmarking;

/// <summary>A <c>rhymeflow worker</c> process on this machine, with one torch thread; disposing kills it.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private bool _logClosed;

    private WorkerProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

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
        var worker = new WorkerProcess(process, new StreamWriter(log) { AutoFlush = true });

        // The log closes in Dispose, after the output has been read to its end: the reader threads deliver queued lines
        // after the process has exited, so closing it on exit would throw on a thread pool thread and end this process.
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
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

        // With the process gone, this waits for both redirected streams to reach their end (their last lines logged).
        if (_process.HasExited)
        {
            _process.WaitForExit();
        }

        lock (_logGate)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_logGate)
        {
            if (!_logClosed && line is not null)
            {
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>The command that starts this process's own program again: its executable, and its dll under <c>dotnet</c>.</summary>
    public static IReadOnlyList<string> SelfCommand(string entryAssembly)
    {
        var executable = Environment.ProcessPath ?? throw new InvalidOperationException("This process's executable is unknown.");
        return Path.GetFileNameWithoutExtension(executable) == "dotnet" ? [executable, entryAssembly] : [executable];
    }
}
