using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// A generation batch (one caption, several seeds) on three in-process silos: every clip is the one `generate` makes
/// in this process with one clip per denoising run, byte for byte, and so are the GIFs written from them; also under a
/// first-block cache and a rule reduction, which the batch's one row carries.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GenerationBatchTests : IDisposable
{
    private const string Caption = "a red circle moving right";

    private static readonly long[] Seeds = [3, 4, 9];

    private static readonly ScheduleSpec Schedule = ScheduleSpec.FromJson("""
        { "sampling": { "solver": "unipc", "shift": 3, "steps": 3 }, "schedule": { "kind": "fewerSteps", "steps": 2 } }
        """);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ABatchOnThreeSilosWritesTheInProcessClipsBitForBit() =>
        await AssertClusterBatchMatchesInProcessAsync(Schedule, null, null, null);

    [Fact]
    public async Task AFirstBlockCachedBatchOnThreeSilosWritesTheInProcessClipsBitForBit()
    {
        // `generate --cache first-block --cache-threshold 1`, dense on 4 steps: a threshold this high skips steps
        // (checked below: the cached clip is not the uncached one), so the row's cache must reach the workers.
        var dense = ScheduleSpec.FromJson("""
            { "sampling": { "solver": "unipc", "shift": 3, "steps": 4 }, "schedule": { "kind": "dense" } }
            """);
        await AssertClusterBatchMatchesInProcessAsync(dense, null, new BatchStepCache(StepCacheKind.FirstBlock, 1.0), StepCache.FirstBlock(1.0));
    }

    [Fact]
    public async Task ARuleReducedBatchOnThreeSilosWritesTheInProcessClipsBitForBit()
    {
        // `generate --reduction rule`: Q 0.5 / KV 0.3 from the first step and block, stride 2x2x2, reuse 3.
        var rule = TokenReductions.Rule(0.5, 0.3);
        await AssertClusterBatchMatchesInProcessAsync(Schedule, rule, null, null);
    }

    /// <summary>
    /// The batch on three silos against `generate --max-batch 1` in this process (one denoising run per seed, the
    /// same reduction and step cache): clips and GIFs byte for byte; and, when a reduction or cache is given, the
    /// clips differ from the plain schedule's, so that a row that dropped it would fail.
    /// </summary>
    private async Task AssertClusterBatchMatchesInProcessAsync(
        ScheduleSpec schedule, TokenReductionSpec? reduction, BatchStepCache? cache, StepCache? localCache)
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var fingerprint = ModelFingerprint.Of(model);
        string[] captions = [.. Seeds.Select(_ => Caption)];
        var submission = ClusterStudy.DescribeBatch(
            schedule, 5, captions, Seeds, fingerprint, model.Transformer.Config.NumLayers, _folder.File("cluster"), "any", 5, reduction, cache);

        var done = await new ClusterStudy(cluster.Client).WaitForJobsAsync(submission, null, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(60));
        var clips = ClusterStudy.ReadBatch(submission);

        Assert.Equal((3, 3, 0), (done.Total, done.Done, done.Failed));
        Assert.Equal(Seeds, clips.Select(c => c.Job.Seed));
        Assert.Equal(3, clips.Select(c => c.Job.Key).Distinct().Count());

        var generator = new MiniVideoGenerator(model);
        var local = new StudyResultsFolder(_folder.File("in-process"));
        var plain = new StudyResultsFolder(_folder.File("plain"));
        foreach (var clip in clips)
        {
            var videos = await generator.GenerateManyAsync(Caption, [clip.Job.Seed], schedule, 5, reduction: reduction, maxBatch: 1, stepCache: localCache);
            local.WriteClip(clip.Job.Key, videos[0].Clip);
            GifWriter.Write(_folder.File($"local-{clip.Job.Seed}.gif"), videos[0].Clip);
            GifWriter.Write(_folder.File($"cluster-{clip.Job.Seed}.gif"), clip.Clip);
            AssertSameBytes(_folder.File($"local-{clip.Job.Seed}.gif"), _folder.File($"cluster-{clip.Job.Seed}.gif"));
            AssertSameBytes(local.ClipPath(clip.Job.Key), Path.Combine(submission.Results, clip.Job.Key + ".clip"));

            if (reduction is not null || localCache is not null)
            {
                var unaccelerated = await generator.GenerateManyAsync(Caption, [clip.Job.Seed], schedule, 5, maxBatch: 1);
                plain.WriteClip(clip.Job.Key, unaccelerated[0].Clip);
                Assert.False(
                    File.ReadAllBytes(plain.ClipPath(clip.Job.Key)).AsSpan().SequenceEqual(File.ReadAllBytes(local.ClipPath(clip.Job.Key))),
                    $"seed {clip.Job.Seed}: the reduced or cached clip is the plain schedule's; the test cannot tell whether the row carried it");
            }
        }
    }

    [Fact]
    public void ABatchRowCarriesItsReductionAndStepCacheAsGiven()
    {
        // Every knob off its default, so that a row that dropped or defaulted one reads back differently.
        var reduction = TokenReductions.Rule(0.4, 0.2, fromStepFraction: 0.25, fromBlock: 1, reuseSteps: 2, seed: 7);
        var json = GenerationBatch.StudyJson(Schedule, 5, 2, reduction, new BatchStepCache(StepCacheKind.TeaCache, 0.13));
        var row = Assert.Single(StudyPlan.FromJson(json, Geometries.Mini).Rows);

        Assert.Equal(GenerationBatch.RowName, row.Name);
        Assert.Equal(reduction.ToJson(), row.Reduction.ToJson());
        Assert.Equal((StepCacheKind?)StepCacheKind.TeaCache, row.CacheKind);
        Assert.Equal(0.13, row.CacheThreshold);
        Assert.Equal(Schedule.ToJson(), row.Schedule.ToJson());

        var plain = Assert.Single(StudyPlan.FromJson(GenerationBatch.StudyJson(Schedule, 5, 2, TokenReductions.None()), Geometries.Mini).Rows);
        Assert.Null(plain.Reduction);
        Assert.Null(plain.CacheKind);
    }

    [Fact]
    public void ABatchIdNamesItsCaptionsAndSeeds()
    {
        string[] captions = [Caption, Caption];
        var a = ClusterStudy.DescribeBatch(Schedule, 5, captions, [1, 2], "m", 2, _folder.File("r"), "any", 5);
        var again = ClusterStudy.DescribeBatch(Schedule, 5, captions, [1, 2], "m", 2, _folder.File("r"), "any", 5);
        var other = ClusterStudy.DescribeBatch(Schedule, 5, captions, [1, 3], "m", 2, _folder.File("r"), "any", 5);

        Assert.Equal(a.StudyId, again.StudyId);
        Assert.NotEqual(a.StudyId, other.StudyId);
        Assert.Equal([1L, 2L], ClusterStudy.Expand(a).Jobs.Select(j => j.Seed));
        Assert.Throws<ArgumentException>(() => ClusterStudy.DescribeBatch(Schedule, 5, captions, [1], "m", 2, _folder.File("r"), "any", 5));
    }

    private static void AssertSameBytes(string expected, string actual) =>
        Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{actual} differs from {expected}");
}
