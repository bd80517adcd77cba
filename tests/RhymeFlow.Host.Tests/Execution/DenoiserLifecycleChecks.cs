using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>Lifecycle checks every kind of denoising request must pass: no tensor outlives a run, cancelled or not.</summary>
internal static class DenoiserLifecycleChecks
{
    /// <summary>Cancels the run after its sixth evaluation and checks that it left no live tensor behind.</summary>
    public static void CancellingMidRunLeavesNoLiveTensors(IVideoTransformer model, Func<DenoiseRequest> request)
    {
        var denoiser = new VideoDenoiser(model);
        using var warm = denoiser.Run(request(), _ => { }, CancellationToken.None);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => denoiser.Run(
            request(),
            e =>
            {
                if (++seen == 6)
                {
                    cancellation.Cancel();
                }
            },
            cancellation.Token));
        Assert.Equal(6, seen);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Two completed runs, their results disposed, leave the live-tensor count where it was.</summary>
    public static void CompletedRunsLeaveOnlyTheirResult(IVideoTransformer model, Func<DenoiseRequest> request)
    {
        var denoiser = new VideoDenoiser(model);
        using var warm = denoiser.Run(request(), _ => { }, CancellationToken.None);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 2; i++)
        {
            using var result = denoiser.Run(request(), _ => { }, CancellationToken.None);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
