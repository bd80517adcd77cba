using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using RhymeFlow.Cluster.Grains;
using RhymeFlow.Core;
using RhymeFlow.Host.Evaluation.Studies;

namespace RhymeFlow.Cluster.Workers;

/// <summary>
/// A silo's worker: pulls jobs for its model and device from the board, one at a time, runs them on the model it holds
/// and writes their results to the study's shared folder before it reports them done.
/// </summary>
/// <remarks>
/// <para>While a clip runs, the worker renews its lease; if the worker dies, the lease runs out and the job goes to
/// another worker. Result files are written atomically and a job's result depends only on its key, so a job that two
/// workers both finish writes the same bytes twice and is counted once.</para>
/// <para>Before its first clip of a row, the worker generates one clip untimed, as the in-process runner does, so that
/// JIT compilation and libtorch's lazy initialisation are not timed. Errors other than a deterministic failure (which
/// the job's result records) leave no result: the lease runs out and the job runs again elsewhere.</para>
/// </remarks>
internal sealed partial class JobWorker(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    WorkerModel model,
    WorkerOptions options,
    IHostApplicationLifetime lifetime,
    ILogger<JobWorker> log) : BackgroundService
{
    private readonly ConcurrentDictionary<string, StudyJobPlan> _plans = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warm = new(StringComparer.Ordinal);

    public string Name => silo.SiloAddress.ToString();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo must be up before its grains are called.
        await WhenStarted(stoppingToken).ConfigureAwait(false);
        var board = grains.GetGrain<IJobBoardGrain>(0);
        LogStarted(log, Name, model.Fingerprint, model.Device);
        while (!stoppingToken.IsCancellationRequested)
        {
            JobLease? lease;
            try
            {
                lease = await board.Lease(Name, model.Fingerprint, model.Device).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The board's silo may have just died; its grain comes back on a live silo on the next call.
                LogBoardUnavailable(log, e.Message);
                lease = null;
            }

            if (lease is null)
            {
                await Task.Delay(options.Poll, stoppingToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await RunAsync(lease, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogJobError(log, lease.Key, e.Message);
            }
        }
    }

    private async Task RunAsync(JobLease lease, CancellationToken stoppingToken)
    {
        var study = grains.GetGrain<IStudyGrain>(lease.Study.StudyId);
        var plan = _plans.GetOrAdd(lease.Study.StudyId, _ => ClusterStudy.Expand(lease.Study));
        var job = plan.Job(lease.Key);
        var folder = new StudyResultsFolder(lease.Study.Results);
        if (folder.ReadResult(job.Key) is { } existing)
        {
            await study.Complete(Name, job.Key, existing.IsFailure).ConfigureAwait(false);
            return;
        }

        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(study, lease, running.Token);
        try
        {
            if (_warm.Add(lease.Study.StudyId + "\n" + job.Row.Name))
            {
                _ = await model.Executor.WarmUpAsync(job, running.Token).ConfigureAwait(false);
            }

            var run = await model.Executor.RunAsync(job, running.Token).ConfigureAwait(false);
            folder.Write(job, run);

            await study.Complete(Name, job.Key, run.Result.IsFailure).ConfigureAwait(false);
        }
        finally
        {
            await running.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lease three times per lease period until the job ends.</summary>
    private async Task RenewAsync(IStudyGrain study, JobLease lease, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(lease.Study.LeaseSeconds / 3));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await study.Renew(Name, lease.Key).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRenewFailed(log, lease.Key, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
    }

    private async Task WhenStarted(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "worker {Worker} takes jobs of model {Model} on {Device}")]
    private static partial void LogStarted(ILogger logger, string worker, string model, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job board did not answer ({Error}); asking again")]
    private static partial void LogBoardUnavailable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job {Key} stopped without a result ({Error}); its lease will run out and another worker will run it")]
    private static partial void LogJobError(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not renew the lease of job {Key} ({Error})")]
    private static partial void LogRenewFailed(ILogger logger, string key, string error);
}
