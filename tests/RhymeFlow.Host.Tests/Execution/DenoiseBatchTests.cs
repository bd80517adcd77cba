using System.Reactive.Linq;
using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Models.Wan;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>Batches of clips: one run of B clips against B runs of one, and the run's machinery with B = 2.</summary>
public sealed class DenoiseBatchTests : IDisposable
{
    private static readonly ScheduleSpec RhymeFlow = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);

    // Float32 rounding: a batched matmul may sum in another order than a single-row one.
    private const double Rounding = 1e-5;

    private readonly ITestOutputHelper _output;
    private readonly TinyRun _run = new();
    private readonly Tensor _otherNoise;
    private readonly Tensor _otherText;
    private readonly Tensor _otherNegative;
    private readonly Tensor _batchNoise;
    private readonly Tensor _batchText;
    private readonly Tensor _batchNegative;

    public DenoiseBatchTests(ITestOutputHelper output)
    {
        _output = output;
        using var generator = new Generator(21);
        _otherNoise = randn([1, 4, 5, 8, 8], generator: generator);
        _otherText = randn([1, 7, 24], generator: generator);
        _otherNegative = randn([1, 7, 24], generator: generator);

        // The fixture's clip and another (its own noise, prompt and negative prompt), as a batch of 2.
        _batchNoise = cat([_run.Noise, _otherNoise], 0);
        _batchText = cat([_run.Text, _otherText], 0);
        _batchNegative = cat([_run.Negative, _otherNegative], 0);
    }

    public static TheoryData<SolverKind> Solvers => new() { SolverKind.Euler, SolverKind.UniPC };

    public static TheoryData<string> Variants => new() { "kv", "hidden", "hidden-host", "projected", "keyframes-only", "foca-heun", "keyframe-euler" };

    [Theory]
    [MemberData(nameof(Solvers))]
    public void ADenseBatchOfTwoEqualsTwoRunsOfOne(SolverKind solver)
    {
        using var batch = AssertBatchEqualsSingles(Schedules.Dense(steps: 6, solver: solver), keyframes: null);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void RhymeFlowOnABatchEqualsThePerClipRunsWhenTheKeyframesAreTheSame(string variant)
    {
        var schedule = variant switch
        {
            "hidden" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.LayerHiddenDevice),
            "hidden-host" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.LayerHiddenHost),
            "projected" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.ProjectedLatents),
            "keyframes-only" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.KeyframesOnly),
            "foca-heun" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, projection: ProjectionKind.FoCa, heunCorrection: true),
            "keyframe-euler" => Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, coupling: CouplingKind.KeyframeEuler),
            _ => RhymeFlow,
        };
        using var batch = AssertBatchEqualsSingles(schedule, keyframes: [0, 3]);
        Assert.Equal([0, 3], batch.Plan.Keyframes);
        Assert.True(batch.Plan.ActiveCount > 0);
    }

    [Fact]
    public void AClipRepeatedInABatchSelectsItsOwnKeyframesAndReproducesItsRun()
    {
        using var noise = cat([_run.Noise, _run.Noise], 0);
        using var single = Run(_run.Request(RhymeFlow));
        using var batch = Run(_run.Request(RhymeFlow) with { InitialNoise = noise });
        Assert.Equal(single.Plan.Keyframes, batch.Plan.Keyframes);
        for (var row = 0; row < 2; row++)
        {
            using var latents = batch.Latents.narrow(0, row, 1);
            Assert.True(WanTiny.RelativeError(latents, single.Latents) < Rounding);
        }
    }

    [Fact]
    public void OneSharedPromptAndNegativeRowConditionEveryClip()
    {
        var schedule = Schedules.Dense(steps: 4);
        using var prompts = cat([_run.Text, _run.Text], 0);
        using var negatives = cat([_run.Negative, _run.Negative], 0);
        using var shared = Run(new DenoiseRequest(_run.Text, _batchNoise, schedule, 5, _run.Negative));
        using var stacked = Run(new DenoiseRequest(prompts, _batchNoise, schedule, 5, negatives));
        var error = WanTiny.RelativeError(shared.Latents, stacked.Latents);
        _output.WriteLine($"shared rows against stacked rows: relative error {error:E2}");
        Assert.True(error < 1e-6, $"relative error {error:E2}");
    }

    [Fact]
    public async Task EventsCarryEveryClipAndTheirLatentsMatchThePerClipRuns()
    {
        var request = BatchRequest(RhymeFlow, [0, 3]);
        var copies = new List<Tensor>();
        try
        {
            var events = await new VideoDenoiser(_run.Model).Denoise(request)
                .Do(e =>
                {
                    if (e is EvaluationCompleted step)
                    {
                        copies.Add(step.CopyLatents());
                    }
                })
                .ToList();
            using var result = Assert.IsType<DenoiseCompleted>(events[^1]).Result;
            Assert.Equal([2, 4, 5, 8, 8], [.. result.Latents.shape.Select(d => (int)d)]);
            Assert.Equal(result.Plan.Evaluations.Count, copies.Count);

            for (var clip = 0; clip < 2; clip++)
            {
                var singleCopies = new List<Tensor>();
                try
                {
                    using var single = new VideoDenoiser(_run.Model).Run(SingleRequest(RhymeFlow, clip, [0, 3]), e => singleCopies.Add(e.CopyLatents()), CancellationToken.None);
                    Assert.Equal(copies.Count, singleCopies.Count);
                    for (var i = 0; i < copies.Count; i++)
                    {
                        using var row = copies[i].narrow(0, clip, 1);
                        Assert.True(WanTiny.RelativeError(row, singleCopies[i]) < Rounding, $"clip {clip}, evaluation {i}");
                    }
                }
                finally
                {
                    singleCopies.ForEach(t => t.Dispose());
                }
            }
        }
        finally
        {
            copies.ForEach(t => t.Dispose());
        }
    }

    [Fact]
    public void CancellingABatchMidRunLeavesNoLiveTensors() => DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(_run.Model, () => BatchRequest(RhymeFlow, null));

    [Fact]
    public void CompletedBatchRunsLeaveOnlyTheirResult() => DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(_run.Model, () => BatchRequest(RhymeFlow, null));

    [Fact]
    public async Task DisposingTheSubscriptionCancelsABatch()
    {
        var seen = 0;
        var stopped = new TaskCompletionSource();
        IDisposable? subscription = null;
        subscription = new VideoDenoiser(_run.Model).Denoise(BatchRequest(RhymeFlow, null)).Subscribe(
            e =>
            {
                if (e is EvaluationCompleted && Interlocked.Increment(ref seen) == 3)
                {
                    subscription?.Dispose();
                    stopped.TrySetResult();
                }
            },
            error => stopped.TrySetException(error),
            () => stopped.TrySetException(new InvalidOperationException("the run completed although it was cancelled")));
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(200);
        Assert.InRange(seen, 3, 4);
    }

    [Fact]
    public void TheContextOfABatchIsOneContextPerClipAndTheBudgetCountsEveryClip()
    {
        using var single = Run(SingleRequest(RhymeFlow, 0, [0, 3]));
        using var batch = Run(BatchRequest(RhymeFlow, [0, 3]));
        Assert.Equal(2 * single.ContextBytes, batch.ContextBytes);

        // A budget that holds one clip's K/V but not two: the batch falls back to hidden states (half the bytes).
        var options = new DenoiseOptions(ContextBudgetBytes: single.ContextBytes);
        using var budgeted = new VideoDenoiser(_run.Model, options).Run(BatchRequest(RhymeFlow, [0, 3]), _ => { }, CancellationToken.None);
        Assert.Equal(single.ContextBytes, budgeted.ContextBytes, tolerance: single.ContextBytes / 10.0);
        Assert.True(WanTiny.RelativeError(budgeted.Latents, batch.Latents) < Rounding);
    }

    [Fact]
    public void TextWhoseRowsAreNeitherOneNorTheBatchIsRejectedNamingTheTensorAndShape()
    {
        using var three = cat([_run.Text, _run.Text, _run.Text], 0);
        var denoiser = new VideoDenoiser(_run.Model);
        var prompt = Assert.Throws<ArgumentException>(() =>
            denoiser.Run(new DenoiseRequest(three, _batchNoise, RhymeFlow), _ => { }, CancellationToken.None));
        Assert.Equal("PromptEmbeddings", prompt.ParamName);
        Assert.Contains("PromptEmbeddings has shape [3, 7, 24]: expected [2, L, 24] (a row per clip of InitialNoise) or [1, L, 24]", prompt.Message);

        var negative = Assert.Throws<ArgumentException>(() =>
            denoiser.Run(new DenoiseRequest(_run.Text, _batchNoise, RhymeFlow, 5, three), _ => { }, CancellationToken.None));
        Assert.Equal("NegativeEmbeddings", negative.ParamName);
        Assert.Contains("NegativeEmbeddings has shape [3, 7, 24]", negative.Message);
    }

    public void Dispose()
    {
        _batchNoise.Dispose();
        _batchText.Dispose();
        _batchNegative.Dispose();
        _otherNoise.Dispose();
        _otherText.Dispose();
        _otherNegative.Dispose();
        _run.Dispose();
    }

    /// <summary>Runs the batch and each clip alone, checks every row against its clip's run, and returns the batch's result.</summary>
    private VideoLatents AssertBatchEqualsSingles(ScheduleSpec schedule, IReadOnlyList<int>? keyframes)
    {
        var batch = Run(BatchRequest(schedule, keyframes));
        try
        {
            Assert.Equal([2, 4, 5, 8, 8], [.. batch.Latents.shape.Select(d => (int)d)]);
            for (var clip = 0; clip < 2; clip++)
            {
                using var single = Run(SingleRequest(schedule, clip, keyframes));
                using var row = batch.Latents.narrow(0, clip, 1);
                var error = WanTiny.RelativeError(row, single.Latents);
                _output.WriteLine($"clip {clip}: relative error {error:E2}");
                Assert.True(error < Rounding, $"clip {clip}: relative error {error:E2}");
                Assert.Equal(single.Plan.Evaluations.Count, batch.Plan.Evaluations.Count);
            }

            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    private VideoLatents Run(DenoiseRequest request) => new VideoDenoiser(_run.Model).Run(request, _ => { }, CancellationToken.None);

    private DenoiseRequest BatchRequest(ScheduleSpec schedule, IReadOnlyList<int>? keyframes) =>
        new(_batchText, _batchNoise, schedule, 5, _batchNegative, keyframes);

    private DenoiseRequest SingleRequest(ScheduleSpec schedule, int clip, IReadOnlyList<int>? keyframes) =>
        clip == 0
            ? new(_run.Text, _run.Noise, schedule, 5, _run.Negative, keyframes)
            : new(_otherText, _otherNoise, schedule, 5, _otherNegative, keyframes);
}
