using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.BuiltIn;

/// <summary>Several seeds as batches: the clips against their single runs, and how a batch reports.</summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class MiniVideoGeneratorTests
{
    private const string Caption = "a red circle moving left";
    private const int Steps = 3;
    private static readonly ScheduleSpec Schedule = Schedules.Dense(Steps, 3.0, SolverKind.UniPC);

    [Fact]
    public async Task SeedsInBatchesGiveTheClipsOfTheirSingleRunsInOrder()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var generator = new MiniVideoGenerator(model);
        var evaluations = 0;
        var progress = new SynchronousProgress<DenoiseEvent>(e => evaluations += e is EvaluationCompleted ? 1 : 0);

        // Batches of 2 and 1: both paths of the chunking.
        var many = await generator.GenerateManyAsync(Caption, [3, 4, 5], Schedule, progress: progress, maxBatch: 2);

        Assert.Equal([3L, 4, 5], many.Select(v => v.Seed));
        Assert.Equal(2 * Steps, evaluations);
        for (var i = 0; i < many.Count; i++)
        {
            var single = await generator.GenerateAsync(Caption, many[i].Seed, Schedule);
            var difference = many[i].Clip.Values.ToArray().Zip(single.Clip.Values.ToArray(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference < 1e-4, $"seed {many[i].Seed}: largest pixel difference {difference:E2}");
            Assert.False(i > 0 && many[i].Clip.Values.ToArray().SequenceEqual(many[i - 1].Clip.Values.ToArray()), "two seeds gave the same clip");
        }

        // The clips of one batch share its time equally.
        Assert.Equal(many[0].DenoiseElapsed, many[1].DenoiseElapsed);
        Assert.Equal(many[0].TotalElapsed, many[1].TotalElapsed);
    }

    [Fact]
    public async Task OneSeedPerBatchIsTheSingleRunExactly()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var generator = new MiniVideoGenerator(model);
        var many = await generator.GenerateManyAsync(Caption, [7], Schedule, maxBatch: 1);
        var single = await generator.GenerateAsync(Caption, 7, Schedule);
        Assert.Equal(single.Clip.Values.ToArray(), many[0].Clip.Values.ToArray());
    }

    [Fact]
    public async Task AMaxBatchBelowOneIsRejected()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var generator = new MiniVideoGenerator(model);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateManyAsync(Caption, [1], Schedule, maxBatch: 0));
        Assert.Equal("maxBatch", error.ParamName);
    }
}
