using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// A generation batch (one caption, several seeds) on three in-process silos: every clip is the one `generate` makes
/// in this process with one clip per denoising run, byte for byte, and so are the GIFs written from them.
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
    public async Task ABatchOnThreeSilosWritesTheInProcessClipsBitForBit()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var fingerprint = ModelFingerprint.Of(model);
        string[] captions = [.. Seeds.Select(_ => Caption)];
        var submission = ClusterStudy.DescribeBatch(
            Schedule, 5, captions, Seeds, fingerprint, model.Transformer.Config.NumLayers, _folder.File("cluster"), "any", 5);

        var done = await new ClusterStudy(cluster.Client).WaitForJobsAsync(submission, null, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(60));
        var clips = ClusterStudy.ReadBatch(submission);

        Assert.Equal((3, 3, 0), (done.Total, done.Done, done.Failed));
        Assert.Equal(Seeds, clips.Select(c => c.Job.Seed));
        Assert.Equal(3, clips.Select(c => c.Job.Key).Distinct().Count());

        // `generate --max-batch 1`: one denoising run per seed.
        var generator = new MiniVideoGenerator(model);
        var local = new StudyResultsFolder(_folder.File("in-process"));
        foreach (var clip in clips)
        {
            var videos = await generator.GenerateManyAsync(Caption, [clip.Job.Seed], Schedule, 5, maxBatch: 1);
            local.WriteClip(clip.Job.Key, videos[0].Clip);
            GifWriter.Write(_folder.File($"local-{clip.Job.Seed}.gif"), videos[0].Clip);
            GifWriter.Write(_folder.File($"cluster-{clip.Job.Seed}.gif"), clip.Clip);
            AssertSameBytes(_folder.File($"local-{clip.Job.Seed}.gif"), _folder.File($"cluster-{clip.Job.Seed}.gif"));
            AssertSameBytes(local.ClipPath(clip.Job.Key), Path.Combine(submission.Results, clip.Job.Key + ".clip"));
        }
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
