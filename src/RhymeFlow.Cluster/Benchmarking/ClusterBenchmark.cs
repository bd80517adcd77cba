using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Cluster.Grains;
using RhymeFlow.Cluster.Hosting;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;
using TorchSharp;

namespace RhymeFlow.Cluster.Benchmarking;

/// <summary>
/// Measures the cluster on this machine against the in-process runner, on one study (one dense 30-step row of the built-in
/// model over N captions, as studies/builtin.json samples) with one torch thread everywhere: clips per second with 1 and 2 worker processes, the
/// per-job scheduling overhead (end to end, and the grain calls alone), and how long a study takes to recover from a worker killed mid-job. Every run writes
/// its own results folder; the clips are compared with the in-process run's, byte for byte.
/// </summary>
public static class ClusterBenchmark
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static async Task RunAsync(ClusterBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var work = Directory.CreateTempSubdirectory("rhymeflow-cluster-bench-").FullName;
        var workers = new List<WorkerProcess>();
        LocalRedis? ownRedis = null;
        try
        {
            torch.set_num_threads(1);
            var study = $$"""
                {
                  "name": "cluster-bench", "captions": {{options.Clips}}, "guidance": 5, "reference": "dense",
                  "sampling": { "solver": "unipc", "shift": 3, "steps": 30 },
                  "rows": [ { "name": "dense" } ]
                }
                """;
            var plan = StudyPlan.FromJson(study, Geometries.Mini);
            using var model = MiniModel.LoadDefault();
            var fingerprint = ModelFingerprint.Of(model);
            output.WriteLine($"cluster-bench: {options.Clips} clips (one dense row, built-in model {fingerprint}), 1 torch thread per process; load average {LoadAverage()}");

            // In-process: the baseline, and the clips every cluster run must reproduce.
            var inProcess = Path.Combine(work, "in-process");
            var clock = Stopwatch.StartNew();
            var local = await new StudyJobRunner(model).RunAsync(plan, fingerprint, "bench", inProcess, cancellationToken: cancellationToken).ConfigureAwait(false);
            var inProcessWall = clock.Elapsed.TotalSeconds;
            Line(output, "in-process, 1 thread", options.Clips, inProcessWall, local.Rows[0].MedianSeconds);

            if (options.Redis is null)
            {
                ownRedis = await LocalRedis.StartAsync().ConfigureAwait(false);
            }

            var redis = options.Redis ?? ownRedis!.Address;
            output.WriteLine($"redis: {redis}{(ownRedis is null ? string.Empty : " (started for this run)")}");
            workers.Add(WorkerProcess.Start(options.WorkerCommand, redis, [], Path.Combine(work, "worker-1.log")));
            await using var connection = await ClusterConnection.ConnectAsync(redis, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            var cluster = new ClusterStudy(connection.Client);
            var management = connection.Client.GetGrain<IManagementGrain>(0);
            var first = await WaitForHostsAsync(management, 1, cancellationToken).ConfigureAwait(false);

            var submit = (string name, double lease) => ClusterStudy.Describe(study, plan.Captions, fingerprint, model.Transformer.Config.NumLayers, Path.Combine(work, name), "any", lease);
            var one = await TimeAsync(cluster, submit("one-worker", 10), null, cancellationToken).ConfigureAwait(false);
            Line(output, "cluster, 1 worker", options.Clips, one.Wall, one.Result.Rows[0].MedianSeconds);

            workers.Add(WorkerProcess.Start(options.WorkerCommand, redis, [], Path.Combine(work, "worker-2.log")));
            var both = await WaitForHostsAsync(management, 2, cancellationToken).ConfigureAwait(false);
            var second = both.Except(first).Single();
            var two = await TimeAsync(cluster, submit("two-workers", 10), null, cancellationToken).ConfigureAwait(false);
            Line(output, "cluster, 2 workers", options.Clips, two.Wall, two.Result.Rows[0].MedianSeconds);
            output.WriteLine(Invariant($"  2 workers over 1: {one.Wall / two.Wall:0.00}x the clips/s (goal: at least 1.70x)"));
            var localIdle = (inProcessWall - ClipSeconds(inProcess)) / options.Clips;
            var clusterIdle = (one.Wall - ClipSeconds(Path.Combine(work, "one-worker"))) / options.Clips;
            output.WriteLine(Invariant($"per-job time outside the clip (wall minus the clips' own seconds, warm-up included, per job): in-process {localIdle * 1000:0} ms, cluster with 1 worker {clusterIdle * 1000:0} ms: {(clusterIdle - localIdle) * 1000:0} ms of scheduling overhead per job"));
            var probe = await SchedulingRoundTripAsync(cluster, connection.Client, ClusterStudy.Describe(study, plan.Captions, "sha256-no-worker", 0, Path.Combine(work, "probe"), "any", 10)).ConfigureAwait(false);
            output.WriteLine(Invariant($"scheduling alone (lease through the board, then complete; no clip): {probe.PerJob * 1000:0.0} ms per job over {probe.Jobs} jobs"));

            // Kill a worker while it holds a job, the one that does not hold the study's queue (when that silo dies the
            // submitter rebuilds the queue instead, and the lease is not what is measured): its job waits out the lease.
            var silos = new[] { first.Single(), second };
            int? victim = null;
            var killed = TimeSpan.Zero;
            var requeued = TimeSpan.Zero;
            var recovery = await TimeAsync(
                cluster,
                submit("killed-worker", options.LeaseSeconds),
                (p, elapsed) =>
                {
                    if (victim is null && p.Done >= 2)
                    {
                        var busy = Array.FindIndex(silos, s => s != p.Coordinator && p.Workers.Any(w => w.Worker == s && w.Running > 0));
                        if (busy >= 0)
                        {
                            workers[busy].Kill();
                            (victim, killed) = (busy, elapsed);
                        }
                    }
                    else if (victim is not null && requeued == TimeSpan.Zero && p.Requeued > 0)
                    {
                        requeued = elapsed;
                    }
                },
                cancellationToken).ConfigureAwait(false);
            output.WriteLine(victim is null
                ? "recovery from a killed worker: not measured (no worker was busy away from the study's queue)"
                : Invariant($"recovery from a killed worker (lease {options.LeaseSeconds:0.#} s): worker {victim + 1} killed mid-job at {killed.TotalSeconds:0.0} s; its job back in the queue {(requeued - killed).TotalSeconds:0.0} s later; the study done {recovery.Wall - killed.TotalSeconds:0.0} s after the kill ({recovery.Wall:0.0} s in all, {two.Wall:0.0} s undisturbed; the rest ran on one worker)"));

            var compared = SameClips(inProcess, [Path.Combine(work, "one-worker"), Path.Combine(work, "two-workers"), Path.Combine(work, "killed-worker")]);
            output.WriteLine($"results identical to the in-process run: {(compared.Same ? "yes" : "NO")} ({compared.Files} result and clip files compared byte for byte)");
            output.WriteLine($"load average at the end: {LoadAverage()}");
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }

            ownRedis?.Dispose();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(double Wall, StudyResult Result)> TimeAsync(
        ClusterStudy cluster, StudySubmission submission, Action<StudyProgress, TimeSpan>? watch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await cluster.SubmitAsync(submission).ConfigureAwait(false);
        var progress = new SynchronousProgress(p => watch?.Invoke(p, clock.Elapsed));
        var result = await cluster.WaitAsync(submission, "bench", progress, Poll, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, result);
    }

    /// <summary>
    /// Times what the cluster adds to every job, without the clip: a worker's lease through the board and its report of
    /// the job done, for a study of a model no worker holds, taken here as a worker would.
    /// </summary>
    private static async Task<(double PerJob, int Jobs)> SchedulingRoundTripAsync(ClusterStudy cluster, IClusterClient client, StudySubmission submission)
    {
        var opened = await cluster.SubmitAsync(submission).ConfigureAwait(false);
        var board = client.GetGrain<IJobBoardGrain>(0);
        var study = client.GetGrain<IStudyGrain>(submission.StudyId);
        var clock = Stopwatch.StartNew();
        var jobs = 0;
        while (await board.Lease("bench-probe", submission.Model, "cpu").ConfigureAwait(false) is { } lease)
        {
            await study.Complete("bench-probe", lease.Key, failed: false).ConfigureAwait(false);
            jobs++;
        }

        if (jobs != opened.Total)
        {
            throw new InvalidOperationException($"the probe study handed out {jobs} of its {opened.Total} jobs.");
        }

        return (clock.Elapsed.TotalSeconds / jobs, jobs);
    }

    /// <summary>The clips' own seconds, as the jobs measured them (encoding, denoising, decoding).</summary>
    private static double ClipSeconds(string folder) =>
        Directory.GetFiles(folder, "*.result.json")
            .Select(f => JobResultRecord.FromJson(File.ReadAllText(f)).Result.Outcome)
            .Sum(o => o is JobOutcome.Succeeded s ? s.Item.Seconds : 0);

    private static async Task<IReadOnlyList<string>> WaitForHostsAsync(IManagementGrain management, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var hosts = await management.GetHosts(onlyActive: true).ConfigureAwait(false);
            if (hosts.Count >= count)
            {
                return [.. hosts.Keys.Select(h => h.ToString())];
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"only {hosts.Count} of {count} workers joined within two minutes.");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether every folder holds the reference's clip files with the same bytes, and the same result keys.</summary>
    private static (bool Same, int Files) SameClips(string reference, IReadOnlyList<string> folders)
    {
        var files = Directory.GetFiles(reference, "*.clip").Select(Path.GetFileName).OfType<string>().ToArray();
        var results = Directory.GetFiles(reference, "*.result.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        var same = folders.All(folder =>
            files.All(f => File.Exists(Path.Combine(folder, f)) && File.ReadAllBytes(Path.Combine(reference, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, f))))
            && results.SequenceEqual(Directory.GetFiles(folder, "*.result.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)));
        return (same, folders.Count * (files.Length + results.Length));
    }

    private static void Line(TextWriter output, string what, int clips, double wall, double median) =>
        output.WriteLine(Invariant($"{what,-22} {clips / wall,6:0.000} clips/s  ({wall:0.0} s wall for {clips} clips and one warm-up clip; median clip {median:0.000} s)"));

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class SynchronousProgress(Action<StudyProgress> report) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value) => report(value);
    }
}
