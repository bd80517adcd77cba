using System.Reactive.Linq;
using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class DenoiserLifecycleTests : IDisposable
{
    private static readonly ScheduleSpec Schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);
    private readonly TinyRun _run = new();

    [Fact]
    public void CancellingMidRunLeavesNoLiveTensors() => DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(_run.Model, () => _run.Request(Schedule));

    [Fact]
    public void CompletedRunsLeaveOnlyTheirResult() => DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(_run.Model, () => _run.Request(Schedule));

    [Fact]
    public void ANaNInTheWeightsStopsTheRunNamingTheEvaluationAndFrame()
    {
        using (no_grad())
        {
            var weight = _run.Model.named_parameters().First(p => p.name == "blocks.1.ffn.net.2.bias").parameter;
            weight[3] = float.NaN;
        }

        var error = Assert.Throws<NonFiniteLatentsException>(() =>
            new VideoDenoiser(_run.Model).Run(_run.Request(Schedule), _ => { }, CancellationToken.None));
        Assert.Equal(0, error.Evaluation);
        Assert.Equal(0, error.Frame);
        Assert.Contains("Evaluation 0 (step 0)", error.Message);
        Assert.Contains("velocity in frame 0", error.Message);
    }

    [Fact]
    public async Task TheObservableDeliversEveryEvaluationThenTheResult()
    {
        var events = await new VideoDenoiser(_run.Model).Denoise(_run.Request(Schedule)).ToList();
        var evaluations = events.OfType<EvaluationCompleted>().ToList();
        var completed = Assert.IsType<DenoiseCompleted>(events[^1]);
        using var result = completed.Result;
        Assert.Equal(12, evaluations.Count);
        Assert.Equal(Enumerable.Range(0, 12), evaluations.Select(e => e.Index));
        Assert.Equal([1, 4, 5, 8, 8], [.. result.Latents.shape.Select(d => (int)d)]);
    }

    [Fact]
    public async Task SubscribersCanCopyLatentsDuringDelivery()
    {
        var norms = new List<double>();
        await new VideoDenoiser(_run.Model).Denoise(_run.Request(Schedule))
            .OfType<EvaluationCompleted>()
            .Do(e =>
            {
                using var copy = e.CopyLatents();
                norms.Add(copy.norm().item<float>());
            })
            .LastAsync();
        Assert.Equal(12, norms.Count);
        Assert.All(norms, n => Assert.True(double.IsFinite(n) && n > 0));
    }

    [Fact]
    public async Task DisposingTheSubscriptionCancelsTheRun()
    {
        var seen = 0;
        var stopped = new TaskCompletionSource();
        IDisposable? subscription = null;
        subscription = new VideoDenoiser(_run.Model).Denoise(_run.Request(Schedule)).Subscribe(
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
    public async Task GenerateAsyncReportsProgressAndReturnsTheLatents()
    {
        var reported = 0;
        var progress = new SynchronousProgress<DenoiseEvent>(e => Interlocked.Increment(ref reported));
        using var result = await new VideoDenoiser(_run.Model).GenerateAsync(_run.Request(Schedule), progress);
        Assert.Equal(12, reported);
        Assert.Equal(result.Plan.Evaluations.Count, reported);
    }

    [Fact]
    public async Task GenerateAsyncHonoursCancellation()
    {
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<DenoiseEvent>(e => cancellation.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new VideoDenoiser(_run.Model).GenerateAsync(_run.Request(Schedule), progress, cancellation.Token));
    }

    [Fact]
    public void BadRequestsNameTheTensorAndShape()
    {
        using var flat = zeros(1, 4, 8, 8);
        var error = Assert.Throws<ArgumentException>(() =>
            new VideoDenoiser(_run.Model).Run(_run.Request(Schedule) with { InitialNoise = flat }, _ => { }, CancellationToken.None));
        Assert.Contains("InitialNoise has shape [1, 4, 8, 8]", error.Message);
    }

    public void Dispose() => _run.Dispose();
}
