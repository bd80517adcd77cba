using RhymeFlow.Cluster.Grains;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// A study on three in-process silos, each a worker with its own copy of the tiny model: the same table and the same
/// clip bytes as the in-process runner; a killed silo loses nothing; the queue's leases and failures.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InProcessClusterTests : IDisposable
{
    // The cached row makes the block work part of the comparison; "fewer" is compared against "dense" by PSNR/SSIM.
    private const string Study = """
        {
          "name": "tiny", "captions": 2, "repeats": 2, "reference": "dense",
          "sampling": { "solver": "unipc", "shift": 3, "steps": 3 },
          "contactSheet": { "caption": 1, "rows": ["fewer", "dense"] },
          "rows": [
            { "name": "dense" },
            { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 2 } },
            { "name": "cached", "cache": { "kind": "firstBlockCache", "threshold": 0.05 } }
          ]
        }
        """;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AThreeSiloClusterReproducesTheInProcessRunBitForBit()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var fingerprint = ModelFingerprint.Of(model);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);

        var local = await new StudyJobRunner(model).RunAsync(plan, fingerprint, "test", _folder.File("in-process"));
        var submission = ClusterStudy.Describe(Study, plan.Captions, fingerprint, model.Transformer.Config.NumLayers, _folder.File("cluster"), "any", 5);
        var seen = new List<StudyProgress>();
        var remote = await new ClusterStudy(cluster.Client).WaitAsync(submission, "test", new SynchronousProgress<StudyProgress>(seen.Add), Poll, Patience);

        Assert.Equal(local.Rows.Select(r => r.Name), remote.Rows.Select(r => r.Name));
        for (var i = 0; i < local.Rows.Count; i++)
        {
            var (a, b) = (local.Rows[i], remote.Rows[i]);
            Assert.Equal(a.Psnr, b.Psnr);
            Assert.Equal(a.Ssim, b.Ssim);
            Assert.Equal(a.Adherence, b.Adherence);
            Assert.Equal(a.ExecutedFraction, b.ExecutedFraction);
            Assert.Equal(a.ComputedSteps, b.ComputedSteps);
        }

        Assert.Empty(remote.Failures);
        Assert.Equal(0, remote.Missing);
        AssertSameFiles(_folder.File("in-process"), _folder.File("cluster"), "*.clip");
        AssertSameFiles(_folder.File("in-process"), _folder.File("cluster"), "*.vs.*.json");
        var last = seen[^1];
        Assert.Equal((12, 12, 0, 0, 0), (last.Total, last.Done, last.Failed, last.Running, last.Pending));
        Assert.Equal(12, last.Workers.Sum(w => w.Done));
    }

    [Fact]
    public async Task KillingASiloMidStudyStillCompletesItWithEveryResultOnce()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var fingerprint = ModelFingerprint.Of(model);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini).WithCaptions(4);
        var jobs = StudyJobRunner.Expand(plan, fingerprint);
        var results = _folder.File("cluster");
        var submission = ClusterStudy.Describe(Study, plan.Captions, fingerprint, model.Transformer.Config.NumLayers, results, "any", 1);

        // Kill a secondary silo (not the one holding the study's queue) while its worker holds a job.
        var victim = new TaskCompletionSource<Orleans.TestingHost.InProcessSiloHandle>(TaskCreationOptions.RunContinuationsAsynchronously);
        StudyProgress? last = null;
        var progress = new SynchronousProgress<StudyProgress>(p =>
        {
            last = p;
            if (!victim.Task.IsCompleted && p.Done >= 2)
            {
                var busy = cluster.Cluster.Silos.Skip(1).FirstOrDefault(s =>
                    s.SiloAddress.ToString() != p.Coordinator && p.Workers.Any(w => w.Worker == s.SiloAddress.ToString() && w.Running > 0));
                if (busy is not null)
                {
                    victim.TrySetResult(busy);
                }
            }
        });
        var study = new ClusterStudy(cluster.Client);
        var waiting = study.WaitAsync(submission, "test", progress, Poll, Patience);
        var first = await Task.WhenAny(victim.Task, waiting);
        Assert.True(first == victim.Task, "the study ended before any worker could be killed mid-job");
        var killed = await victim.Task;
        await cluster.Cluster.KillSiloAsync(killed);
        var result = await waiting;

        Assert.Empty(result.Failures);
        Assert.Equal(0, result.Missing);
        var folder = new StudyResultsFolder(results);
        var table = jobs.Merge(model.Transformer.Config.NumLayers, [.. jobs.Jobs.Select(j => folder.ReadResult(j.Key)!)], []);
        Assert.Empty(table.Missing);
        Assert.Empty(table.Unexpected);
        Assert.All(table.Rows, r => Assert.Equal(plan.Captions * plan.Repeats, r.Clips));
        Assert.Equal(
            jobs.Jobs.Select(j => j.Key + ".result.json").Order(StringComparer.Ordinal),
            Directory.GetFiles(results, "*.result.json").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.NotNull(last);
        Assert.Equal((jobs.Jobs.Count, jobs.Jobs.Count, 0), (last.Total, last.Done, last.Running));
        Assert.DoesNotContain(last.Workers, w => w.Worker == killed.SiloAddress.ToString() && w.Running > 0);
    }

    [Fact]
    public async Task TheQueueLeasesEachJobOnceRequeuesARunOutLeaseAndRecordsAFailureOnce()
    {
        await using var cluster = await TestCluster.StartAsync(1);

        // A model no worker holds: only this test takes the jobs.
        var submission = new StudySubmission("queue-test", Study, 2, "sha256-nobody", _folder.Path, "any", 0.5, 2);
        var study = cluster.Client.GetGrain<IStudyGrain>(submission.StudyId);
        var opened = await study.Submit(submission, ["a", "b", "c"], ["a", "b"]);
        Assert.Equal((3, 1, 2), (opened.Total, opened.Done, opened.Pending));

        Assert.Null((await study.Lease("w1", "sha256-other", "cpu")).Lease);
        var a = await study.Lease("w1", "sha256-nobody", "cpu");
        var b = await study.Lease("w2", "sha256-nobody", "cpu");
        var none = await study.Lease("w2", "sha256-nobody", "cpu");
        Assert.Equal(("a", "b"), (a.Lease?.Key, b.Lease?.Key));
        Assert.True(none.Open && none.Lease is null, "both jobs are out; the study stays open while they run");

        // w1 dies holding "a": after its lease, "a" goes to w2. w2's failure of "b" is recorded once.
        await study.Complete("w2", "b", failed: true);
        await Task.Delay(TimeSpan.FromSeconds(0.7));
        Assert.False(await study.Renew("w1", "a"));
        var again = await study.Lease("w2", "sha256-nobody", "cpu");
        Assert.Equal("a", again.Lease?.Key);
        await study.Complete("w2", "a", failed: false);
        await study.Complete("w1", "a", failed: false);
        await study.Complete("w2", "b", failed: true);

        var done = await study.Progress();
        Assert.NotNull(done);
        Assert.True(done.IsComplete);
        Assert.Equal((3, 1, 1, 2), (done.Done, done.Failed, done.Requeued, done.Duplicates));
        Assert.Equal(new WorkerTally("w2", 1, 1, 0), done.Workers.Single(w => w.Worker == "w2"));
        Assert.False((await study.Lease("w2", "sha256-nobody", "cpu")).Open);
    }

    private static void AssertSameFiles(string expected, string actual, string pattern)
    {
        var names = Directory.GetFiles(expected, pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(actual, pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));
        foreach (var name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs");
        }
    }
}
