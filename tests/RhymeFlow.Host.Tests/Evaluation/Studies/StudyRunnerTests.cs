using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Evaluation.Studies;

/// <summary>A small study on a tiny untrained model: what runs, how it is compared, and how it stops.</summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class StudyRunnerTests
{
    // "again" repeats the reference row's schedule: it must compare as identical, clip for clip.
    private const string Study = """
        {
          "name": "tiny", "captions": 2, "repeats": 2, "reference": "dense",
          "sampling": { "solver": "unipc", "shift": 3, "steps": 3 },
          "contactSheet": { "caption": 1, "rows": ["fewer", "dense"] },
          "rows": [
            { "name": "dense" },
            { "name": "again" },
            { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 2 } }
          ]
        }
        """;

    [Fact]
    public async Task EveryRowRunsEveryCaptionAndIsComparedWithTheReferenceClipOfTheSameSeed()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var events = new List<StudyClipEvent>();

        var result = await new StudyRunner(model).RunAsync(plan, "test machine", new SynchronousProgress<StudyClipEvent>(events.Add));

        Assert.Equal(["dense", "again", "fewer"], result.Rows.Select(r => r.Name));
        Assert.Equal(3 * (1 + (2 * 2)), events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Done));
        Assert.Equal(3, events.Count(e => e.WarmUp));
        Assert.All(result.Rows, r => Assert.Equal(2, r.Adherence.All.Total));
        Assert.Equal(VideoMetrics.MaxPsnr, result.Rows[1].Psnr);
        Assert.Equal(1.0, result.Rows[1].Ssim, 9);
        Assert.True(result.Rows[2].Psnr < VideoMetrics.MaxPsnr, "two steps cannot reproduce three");
        Assert.Equal(1.0, result.Reference.MeasuredSpeedup);
        Assert.Equal(1.5, result.Rows[2].PredictedSpeedup, 9);
        Assert.All(result.Rows, r => Assert.True(double.IsNaN(r.ExecutedFraction), "no row has a step cache"));
        Assert.Equal(["fewer", "dense"], result.SheetClips.Select(c => c.Row));
        Assert.Equal(Caption.Render(HeldOutEvaluation.Subset(2)[1]), result.SheetCaption);
        Assert.Equal("test machine", result.Device);
    }

    [Fact]
    public void RotationPutsEveryRowInEveryPositionOnce()
    {
        var orders = Enumerable.Range(0, 4).Select(offset => StudyRunner.Rotation(4, offset).ToArray()).ToArray();
        Assert.All(orders, order => Assert.Equal([0, 1, 2, 3], order.Order()));
        for (var position = 0; position < 4; position++)
        {
            Assert.Equal([0, 1, 2, 3], orders.Select(order => order[position]).Order());
        }
    }

    [Fact]
    public async Task ACancelledStudyStops()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        using var cancellation = new CancellationTokenSource();
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var progress = new SynchronousProgress<StudyClipEvent>(e =>
        {
            if (e.Done == 4)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new StudyRunner(model).RunAsync(plan, "test", progress, cancellation.Token));
    }

    [Fact]
    public async Task MoreCaptionsThanTheHeldOutSetIsRefusedByName()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var plan = StudyPlan.FromJson(Study, Geometries.Mini).WithCaptions(HeldOutCaptions.Count + 1);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new StudyRunner(model).RunAsync(plan, "test"));
        Assert.Contains("held-out captions", error.Message);
    }
}
