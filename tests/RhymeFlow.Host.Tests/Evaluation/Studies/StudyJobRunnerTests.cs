using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Evaluation.Studies;

/// <summary>
/// A small study as jobs on a tiny untrained model: what runs, how it is compared, how it stops; the same table as the
/// in-process runner it replaced; and a results folder that lets a resubmitted study skip finished jobs.
/// </summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class StudyJobRunnerTests : IDisposable
{
    // "again" repeats the reference row's schedule: it must compare as identical, clip for clip. The cached row makes
    // the cache work part of the comparison with the reference runner.
    private const string Study = """
        {
          "name": "tiny", "captions": 2, "repeats": 2, "reference": "dense",
          "sampling": { "solver": "unipc", "shift": 3, "steps": 3 },
          "contactSheet": { "caption": 1, "rows": ["fewer", "dense"] },
          "rows": [
            { "name": "dense" },
            { "name": "again" },
            { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 2 } },
            { "name": "cached", "cache": { "kind": "firstBlockCache", "threshold": 0.05 } }
          ]
        }
        """;

    private readonly string _results = Path.Combine(Path.GetTempPath(), "rhymeflow-jobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_results))
        {
            Directory.Delete(_results, recursive: true);
        }
    }

    [Fact]
    public async Task EveryRowRunsEveryCaptionAndIsComparedWithTheReferenceClipOfTheSameSeed()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var events = new List<StudyClipEvent>();

        var result = await new StudyJobRunner(model).RunAsync(plan, "builtin", "test machine", _results, new SynchronousProgress<StudyClipEvent>(events.Add));

        Assert.Equal(["dense", "again", "fewer", "cached"], result.Rows.Select(r => r.Name));
        Assert.Equal(4 * (1 + (2 * 2)), events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Done));
        Assert.Equal(4, events.Count(e => e.WarmUp));
        Assert.All(result.Rows, r => Assert.Equal(2, r.Adherence.All.Total));
        Assert.Equal(VideoMetrics.MaxPsnr, result.Rows[1].Psnr);
        Assert.Equal(1.0, result.Rows[1].Ssim, 9);
        Assert.True(result.Rows[2].Psnr < VideoMetrics.MaxPsnr, "two steps cannot reproduce three");
        Assert.Equal(1.0, result.Reference.MeasuredSpeedup);
        Assert.Equal(1.5, result.Rows[2].PredictedSpeedup, 9);
        Assert.All(result.Rows.Take(3), r => Assert.True(double.IsNaN(r.ExecutedFraction), "no step cache"));
        Assert.Equal(["fewer", "dense"], result.SheetClips.Select(c => c.Row));
        Assert.Equal(Caption.Render(HeldOutEvaluation.Subset(2)[1]), result.SheetCaption);
        Assert.Equal("test machine", result.Device);
    }

    [Fact]
    public async Task ACancelledStudyStopsAndKeepsTheJobsItFinished()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        using var cancellation = new CancellationTokenSource();
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var progress = new SynchronousProgress<StudyClipEvent>(e =>
        {
            if (e.Done == 6)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new StudyJobRunner(model).RunAsync(plan, "builtin", "test", _results, progress, cancellation.Token));
        Assert.Equal(2, Directory.GetFiles(_results, "*.result.json").Length);
    }

    [Fact]
    public async Task MoreCaptionsThanTheHeldOutSetIsRefusedByName()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini).WithCaptions(HeldOutCaptions.Count + 1);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new StudyJobRunner(model).RunAsync(plan, "builtin", "test", _results));
        Assert.Contains("held-out captions", error.Message);
    }

    [Fact]
    public async Task TheJobPathReproducesTheInProcessRunnerBitForBit()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var events = new List<StudyClipEvent>();

        var direct = await new ReferenceStudyRunner(model).RunAsync(plan, "test");
        var jobs = await new StudyJobRunner(model).RunAsync(plan, "builtin", "test", _results, new SynchronousProgress<StudyClipEvent>(events.Add));

        Assert.Equal(4 * (1 + (2 * 2)), events.Count);
        Assert.Equal(direct.Rows.Select(r => r.Name), jobs.Rows.Select(r => r.Name));
        for (var i = 0; i < direct.Rows.Count; i++)
        {
            var (a, b) = (direct.Rows[i], jobs.Rows[i]);
            Assert.Equal(a.Psnr, b.Psnr);
            Assert.Equal(a.Ssim, b.Ssim);
            Assert.Equal(a.ExecutedFraction, b.ExecutedFraction);
            Assert.Equal(a.ComputedSteps, b.ComputedSteps);
            Assert.Equal(a.PredictedSpeedup, b.PredictedSpeedup);
            Assert.Equal(a.Adherence, b.Adherence);
            Assert.True(b.MedianSeconds > 0);
        }

        Assert.Equal(direct.SheetCaption, jobs.SheetCaption);
        Assert.Equal(direct.SheetClips.Select(c => c.Row), jobs.SheetClips.Select(c => c.Row));
        for (var i = 0; i < direct.SheetClips.Count; i++)
        {
            Assert.True(direct.SheetClips[i].Clip.Values.SequenceEqual(jobs.SheetClips[i].Clip.Values), "the sheet's clips are the same floats");
        }

        Assert.Empty(jobs.Failures);
        Assert.Equal(0, jobs.Missing);
        Assert.False(double.IsNaN(jobs.Rows[3].ExecutedFraction), "the cached row reports its block work");
    }

    [Fact]
    public async Task AResubmittedStudySkipsFinishedJobsAndGivesTheSameTable()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini).WithCaptions(1);
        var runner = new StudyJobRunner(model);
        var first = await runner.RunAsync(plan, "builtin", "test", _results);

        // Lose one job's result: only that job runs again, after its row's warm-up.
        var jobs = StudyJobRunner.Expand(plan, "builtin");
        var lost = jobs.Jobs[5];
        File.Delete(Path.Combine(_results, lost.Key + ".result.json"));
        var events = new List<StudyClipEvent>();
        var second = await runner.RunAsync(plan, "builtin", "test", _results, new SynchronousProgress<StudyClipEvent>(events.Add));

        Assert.Equal([(lost.Row.Name, true), (lost.Row.Name, false)], events.Select(e => (e.Row, e.WarmUp)));
        Assert.Equal(first.Rows.Select(r => r.Psnr), second.Rows.Select(r => r.Psnr));
        Assert.Equal(first.Rows.Select(r => r.Adherence), second.Rows.Select(r => r.Adherence));
        Assert.Equal(jobs.Jobs.Count, Directory.GetFiles(_results, "*.result.json").Length);
        Assert.Empty(Directory.GetFiles(_results, "*.tmp"));

        // Nothing left to do: no clip runs at all.
        events.Clear();
        await runner.RunAsync(plan, "builtin", "test", _results, new SynchronousProgress<StudyClipEvent>(events.Add));
        Assert.Empty(events);
    }

    [Fact]
    public async Task ACaptionTheModelCannotReadFailsOnceWithItsError()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini).WithCaptions(1);
        var job = StudyJobPlan.Of(plan, "builtin", ["a purple zigzag dances"], [7]).Jobs[0];

        var run = await new LocalJobExecutor(model).RunAsync(job, CancellationToken.None);

        Assert.True(run.Result.IsFailure);
        Assert.Contains("a purple zigzag dances", run.Result.Error);
        Assert.Null(run.Video);
    }

    [Fact]
    public void AClipFileReadsBackAsTheSameFloats()
    {
        var folder = new StudyResultsFolder(_results);
        var values = Enumerable.Range(0, 3 * 2 * 4 * 5).Select(i => (float)Math.Sin(i)).ToArray();
        var clip = new RhymeFlow.Host.Media.VideoClip(2, 4, 5, values);
        folder.WriteClip("0123456789abcdef", clip);
        var back = folder.ReadClip("0123456789abcdef");
        Assert.Equal((2, 4, 5), (back.Frames, back.Height, back.Width));
        Assert.True(back.Values.SequenceEqual(values));
    }
}
