using System.Diagnostics;
using RhymeFlow.Cluster.Grains;
using RhymeFlow.Core;
using RhymeFlow.Host.Evaluation.Studies;

namespace RhymeFlow.Cluster;

/// <summary>
/// Submits a study to the cluster and waits for it: the jobs are those the in-process runner would run, their results
/// land in the shared folder, and the table is merged from that folder the same way, so the outputs are the same.
/// </summary>
/// <remarks>
/// Submitting is idempotent: the study's id is a hash of what decides its jobs, and only jobs without a result file are
/// queued. That is also how a waiting submitter repairs the cluster: when the silo that held the study's queue died, the
/// next poll finds the study unknown and submits it again.
/// </remarks>
public sealed class ClusterStudy(IClusterClient client)
{
    private readonly IClusterClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>The submission of a study file's text for a model of <paramref name="layers"/> blocks whose fingerprint is <paramref name="model"/>.</summary>
    public static StudySubmission Describe(string studyJson, int captions, string model, int layers, string results, string device, double leaseSeconds)
    {
        ArgumentNullException.ThrowIfNull(studyJson);
        ArgumentException.ThrowIfNullOrWhiteSpace(results);
        if (leaseSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseSeconds), leaseSeconds, "The lease must be positive.");
        }

        var full = Path.GetFullPath(results);
        return new StudySubmission(StudyIds.Of(studyJson, captions, model, full), studyJson, captions, model, full, device, leaseSeconds, layers);
    }

    /// <summary>
    /// The submission of a generation batch: a one-row study (<see cref="GenerationBatch.StudyJson"/>) whose captions
    /// are the batch's own, one job per caption and seed, each under <paramref name="reduction"/> and
    /// <paramref name="cache"/> when given.
    /// </summary>
    public static StudySubmission DescribeBatch(
        ScheduleSpec schedule,
        double guidance,
        IReadOnlyList<string> captions,
        IReadOnlyList<long> seeds,
        string model,
        int layers,
        string results,
        string device,
        double leaseSeconds,
        TokenReductionSpec? reduction = null,
        BatchStepCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(seeds);
        if (captions.Count == 0 || captions.Count != seeds.Count)
        {
            throw new ArgumentException($"A batch needs one seed per caption and at least one of each; got {captions.Count} captions and {seeds.Count} seeds.", nameof(seeds));
        }

        var studyJson = GenerationBatch.StudyJson(schedule, guidance, captions.Count, reduction, cache);
        var study = Describe(studyJson, captions.Count, model, layers, results, device, leaseSeconds);

        // The id covers the captions and seeds too: two batches of one schedule are two studies.
        var batch = string.Join('\n', captions.Zip(seeds, (c, s) => $"{s} {c}"));
        return study with
        {
            StudyId = StudyIds.Of(studyJson + "\n" + batch, captions.Count, model, study.Results),
            BatchCaptions = [.. captions],
            BatchSeeds = [.. seeds],
        };
    }

    /// <summary>The study's jobs, as every worker expands them.</summary>
    public static StudyJobPlan Expand(StudySubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var plan = StudyPlan.FromJson(submission.StudyJson, Geometries.Mini).WithCaptions(submission.Captions);
        return submission.BatchCaptions is { } captions
            ? StudyJobPlan.Of(plan, submission.Model, captions, submission.BatchSeeds ?? [])
            : StudyJobRunner.Expand(plan, submission.Model);
    }

    /// <summary>
    /// A finished batch's clips, in job order, read from the results folder; a job without a clip (it failed, or has
    /// not run) is an error that names it.
    /// </summary>
    public static IReadOnlyList<BatchClip> ReadBatch(StudySubmission submission)
    {
        var folder = new StudyResultsFolder(submission.Results);
        return [.. Expand(submission).Jobs.Select(job =>
        {
            var result = folder.ReadResult(job.Key)
                ?? throw new InvalidOperationException($"job {job.Key} (seed {job.Seed}) has no result in {submission.Results}.");
            if (result.IsFailure)
            {
                throw new InvalidOperationException($"job {job.Key} (seed {job.Seed}) failed: {result.Error}");
            }

            return new BatchClip(job, result, folder.ReadClip(job.Key));
        })];
    }

    /// <summary>Queues the study's jobs that have no result yet and puts it on the board; a no-op for an open study.</summary>
    public async Task<StudyProgress> SubmitAsync(StudySubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var jobs = Expand(submission);
        var folder = new StudyResultsFolder(submission.Results);
        var keys = jobs.Jobs.Select(j => j.Key).ToArray();
        var pending = jobs.Jobs.Where(j => !folder.HasResult(j.Key)).Select(j => j.Key).ToArray();
        var progress = await _client.GetGrain<IStudyGrain>(submission.StudyId).Submit(submission, keys, pending).ConfigureAwait(false);
        await _client.GetGrain<IJobBoardGrain>(0).Open(submission.StudyId).ConfigureAwait(false);
        return progress;
    }

    /// <summary>The submission of an open study, or null when the cluster does not know the id.</summary>
    public Task<StudySubmission?> FindAsync(string studyId) => _client.GetGrain<IStudyGrain>(studyId).Submission();

    /// <summary>Where the study stands, or null when the cluster does not know it.</summary>
    public Task<StudyProgress?> ProgressAsync(string studyId) => _client.GetGrain<IStudyGrain>(studyId).Progress();

    /// <summary>
    /// Waits until every job has a result, reporting progress every <paramref name="poll"/>, then merges the table.
    /// </summary>
    /// <param name="submission">The study, submitted or not.</param>
    /// <param name="device">Where it ran, in words, for the report.</param>
    /// <param name="progress">Sees every poll's progress.</param>
    /// <param name="poll">How often to ask.</param>
    /// <param name="patience">How long the cluster may go without answering before the wait fails.</param>
    /// <param name="cancellationToken">Stops waiting; the study goes on on the cluster.</param>
    /// <exception cref="ClusterUnreachableException">No silo answered for <paramref name="patience"/>.</exception>
    public async Task<StudyResult> WaitAsync(
        StudySubmission submission,
        string device,
        IProgress<StudyProgress>? progress,
        TimeSpan poll,
        TimeSpan patience,
        CancellationToken cancellationToken = default)
    {
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        await WaitForJobsAsync(submission, progress, poll, patience, cancellationToken).ConfigureAwait(false);
        return StudyJobRunner.Finish(Expand(submission), new StudyResultsFolder(submission.Results), submission.Layers, device, started, clock.Elapsed);
    }

    /// <summary>
    /// Waits until every job has a result, reporting progress every <paramref name="poll"/>, resubmitting the study when
    /// the cluster lost it; returns the last progress.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No silo answered for <paramref name="patience"/>.</exception>
    public async Task<StudyProgress> WaitForJobsAsync(
        StudySubmission submission,
        IProgress<StudyProgress>? progress,
        TimeSpan poll,
        TimeSpan patience,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var clock = Stopwatch.StartNew();
        var answered = clock.Elapsed;
        while (true)
        {
            StudyProgress? now;
            try
            {
                // Unknown: the silo that held the study died (or it was never submitted); the folder says what is left.
                now = await ProgressAsync(submission.StudyId).ConfigureAwait(false) ?? await SubmitAsync(submission).ConfigureAwait(false);

                // The board's silo may have died too; opening an open study changes nothing.
                await _client.GetGrain<IJobBoardGrain>(0).Open(submission.StudyId).ConfigureAwait(false);
                answered = clock.Elapsed;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (clock.Elapsed - answered > patience)
                {
                    throw new ClusterUnreachableException($"the cluster has not answered for {patience.TotalSeconds:0} s ({e.Message.Split('\n', 2)[0]}); the study's finished jobs are kept in {submission.Results}.", e);
                }

                now = null;
            }

            if (now is not null)
            {
                progress?.Report(now);
                if (now.IsComplete)
                {
                    return now;
                }
            }

            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
    }
}
