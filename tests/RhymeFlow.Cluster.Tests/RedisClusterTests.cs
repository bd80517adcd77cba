using System.Diagnostics;
using RhymeFlow.Cluster.Benchmarking;
using RhymeFlow.Cluster.Hosting;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// Two <c>rhymeflow worker</c> processes on a real redis-server run a study submitted by <c>rhymeflow study --cluster</c>;
/// bad and unreachable cluster addresses fail fast with exit 2 and 1.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisClusterTests : IDisposable
{
    private const string Study = """
        {
          "name": "redis study", "captions": 4, "reference": "dense",
          "sampling": { "solver": "unipc", "shift": 3, "steps": 3 },
          "contactSheet": { "rows": ["dense", "fewer"] },
          "rows": [ { "name": "dense" }, { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 2 } } ]
        }
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [RedisFact]
    public async Task TwoWorkerProcessesOnRedisRunAStudySubmittedFromTheCommandLine()
    {
        using var ownRedis = Environment.GetEnvironmentVariable(RedisFactAttribute.Variable) is null ? await LocalRedis.StartAsync() : null;
        var redis = ownRedis?.Address ?? Address(Environment.GetEnvironmentVariable(RedisFactAttribute.Variable)!);
        var package = _folder.File("tiny-package");
        using (var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 1))
        {
            model.Save(package, TorchSharp.torch.ScalarType.Float32);
        }

        var command = new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "rhymeflow.dll") };
        using var first = WorkerProcess.Start(command, redis, ["--model", package], _folder.File("worker-1.log"));
        using var second = WorkerProcess.Start(command, redis, ["--model", package], _folder.File("worker-2.log"));
        await using (var connection = await ClusterConnection.ConnectAsync(redis, TimeSpan.FromSeconds(120), CancellationToken.None))
        {
            await WaitForHostsAsync(connection.Client, 2);
        }

        var file = _folder.File("study.json");
        File.WriteAllText(file, Study);
        var results = _folder.File("results");
        var submit = new[] { "study", file, "--model", package, "--out", _folder.File("report.md"), "--results", results, "--cluster", redis.ToString() };

        // Submitted detached, then waited for by its id alone, as from another terminal.
        var (detached, detachedError) = Cli([.. submit, "--detach"]);
        Assert.True(detached == 0, detachedError + Logs());
        var id = detachedError.Split("study id: ", 2)[1].Split(' ', 2)[0];
        var (code, error) = Cli("study", "--cluster", redis.ToString(), "--attach", id, "--out", _folder.File("report.md"), "--quiet");

        Assert.True(code == 0, error + Logs());
        Assert.Equal(8, Directory.GetFiles(results, "*.result.json").Length);
        Assert.Contains("| fewer |", File.ReadAllText(_folder.File("report.md")), StringComparison.Ordinal);

        // Submitted again, the study is found done and no job runs; its last progress line shows both workers' jobs.
        var (again, againError) = Cli(submit);
        Assert.True(again == 0, againError);
        Assert.Contains("(8 jobs, 8 already done)", againError, StringComparison.Ordinal);
        var last = againError.Split('\r', '\n').Last(l => l.StartsWith("8/8 done", StringComparison.Ordinal));
        Assert.Equal(2, last.Split('|')[1].Split(';').Count(w => !w.Contains(" 0 done", StringComparison.Ordinal)));

        // A generation batch on the same workers writes what `generate` writes here with one clip per run, byte for
        // byte at the workers' one torch thread.
        string[] generate = ["generate", "a red circle moving right", "--model", package, "--schedule", "dense", "--steps", "2", "--seed", "7", "--batch", "2", "--quiet"];
        var (batch, batchError) = Cli([.. generate, "--cluster", redis.ToString(), "--out", _folder.File("cluster-clips")]);
        Assert.True(batch == 0, batchError + Logs());
        Assert.Contains("(2 clips, 0 already done)", batchError, StringComparison.Ordinal);
        var threads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        try
        {
            var (local, localError) = Cli([.. generate, "--max-batch", "1", "--out", _folder.File("local-clips")]);
            Assert.True(local == 0, localError);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        foreach (var name in new[] { "clip-seed7.gif", "clip-seed8.gif", "latents.safetensors", "contact-sheet.png" })
        {
            var expected = File.ReadAllBytes(Path.Combine(_folder.File("local-clips"), name));
            Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_folder.File("cluster-clips"), name))), $"{name} differs");
        }
    }

    [Theory]
    [InlineData("localhost:6379")]
    [InlineData("redis://")]
    [InlineData("redis://127.0.0.1")]
    [InlineData("redis://127.0.0.1:99999")]
    public void ABadClusterAddressIsBadUsage(string address)
    {
        var (code, error) = Cli("worker", "--cluster", address);
        Assert.Equal(2, code);
        Assert.Contains("expected redis://HOST:PORT", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreachableRedisFailsWithinSecondsNamingTheAddress()
    {
        var file = _folder.File("study.json");
        File.WriteAllText(file, Study);
        var clock = Stopwatch.StartNew();

        // Port 1 on loopback: nothing listens there, and the refusal is immediate.
        var (code, error) = Cli("study", file, "--captions", "1", "--out", _folder.File("report.md"), "--cluster", "redis://127.0.0.1:1");

        Assert.Equal(1, code);
        Assert.Contains("cannot reach the cluster's Redis at redis://127.0.0.1:1", error, StringComparison.Ordinal);

        var (generate, generateError) = Cli("generate", "a red circle moving right", "--out", _folder.File("clips"), "--cluster", "redis://127.0.0.1:1");
        Assert.Equal(1, generate);
        Assert.Contains("cannot reach the cluster's Redis at redis://127.0.0.1:1", generateError, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    private static RedisAddress Address(string text) =>
        RedisAddress.TryParse(text, out var address, out var error) ? address : throw new InvalidOperationException($"{RedisFactAttribute.Variable}: {error}");

    private static async Task WaitForHostsAsync(IClusterClient client, int count)
    {
        var clock = Stopwatch.StartNew();
        while ((await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"{count} workers did not join within two minutes");
            await Task.Delay(100);
        }
    }

    private static readonly object Gate = new();

    /// <summary>Runs the command line in this process; its exit code and what it wrote to stderr.</summary>
    private static (int Code, string Error) Cli(params string[] args)
    {
        lock (Gate)
        {
            var (output, error) = (new StringWriter(), new StringWriter());
            var (oldOut, oldError) = (Console.Out, Console.Error);
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                return (RhymeFlow.Cli.Program.main(args), error.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldError);
            }
        }
    }

    private string Logs() =>
        string.Concat(Directory.GetFiles(_folder.Path, "worker-*.log").Select(f => $"\n--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"));
}
