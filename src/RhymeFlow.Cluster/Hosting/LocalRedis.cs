using System.Diagnostics;

namespace RhymeFlow.Cluster.Hosting;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, without persistence: for the benchmark and the tests,
/// which cluster worker processes on this machine. Disposing stops it.
/// </summary>
public sealed class LocalRedis : IDisposable
{
    private readonly Process _process;

    private LocalRedis(Process process, RedisAddress address)
    {
        _process = process;
        Address = address;
    }

    public RedisAddress Address { get; }

    /// <summary>Whether <c>redis-server</c> is on the PATH.</summary>
    public static bool IsInstalled => FindServer() is not null;

    /// <summary>Starts redis-server and waits until it answers.</summary>
    /// <exception cref="FileNotFoundException">redis-server is not installed.</exception>
    public static async Task<LocalRedis> StartAsync()
    {
        var server = FindServer() ?? throw new FileNotFoundException("redis-server is not on the PATH: install it (apt-get install -y redis-server).");
        var port = FreePort.Next();
        var start = new ProcessStartInfo(server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {server}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new LocalRedis(process, new RedisAddress("127.0.0.1", port));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await RedisProbe.CheckAsync(redis.Address, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                return redis;
            }
            catch (ClusterUnreachableException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
            catch
            {
                redis.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private static string? FindServer() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
}
