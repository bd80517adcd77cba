using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Evaluation.Studies;

/// <summary>The study as jobs on a tiny untrained model: the same table as the in-process runner, and a results folder that lets a resubmitted study skip finished jobs.</summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class StudyJobRunnerTests : IDisposable
{
    // As in StudyRunnerTests, plus a first-block-cache row so that cache work is compared too.
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
    public async Task TheJobPathReproducesTheInProcessRunnerBitForBit()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var events = new List<StudyClipEvent>();

        var direct = await new StudyRunner(model).RunAsync(plan, "test");
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
