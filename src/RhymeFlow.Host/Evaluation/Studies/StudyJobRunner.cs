using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>
/// Runs a study as jobs in this process: the study expands into one job per row, caption and repeat
/// (<see cref="StudyJobPlan"/>), each job's result lands in a results folder as it finishes, and the table is the
/// core's pure merge of whatever results the folder holds. A resubmitted study skips the jobs that have a result.
/// </summary>
/// <remarks>
/// Jobs run caption by caption, rows in rotating order, so that a slow spell of the machine falls on every row alike;
/// before its first timed clip, each row with jobs to run generates one clip untimed, since the first run of a code
/// path pays for JIT compilation and libtorch's lazy initialisation. The table is the one the in-process runner
/// tallied before studies ran as jobs, its PSNR, SSIM, adherence and cache work bit for bit (the tests keep that
/// runner as their oracle). PSNR and SSIM are computed here, once a job's clip and its reference job's clip are both
/// in the folder (see <see cref="JobComparisonRecord"/>).
/// </remarks>
public sealed class StudyJobRunner
{
    private readonly LocalJobExecutor _executor;

    /// <summary>A runner on <paramref name="model"/>, loaded once for every job it runs.</summary>
    public StudyJobRunner(MiniModel model) => _executor = new LocalJobExecutor(model);

    /// <summary>The study's jobs on the built-in model's held-out captions.</summary>
    /// <param name="plan">The study.</param>
    /// <param name="model">The model the jobs name: its <see cref="ModelFingerprint"/>, so that runs on any machine share keys.</param>
    public static StudyJobPlan Expand(StudyPlan plan, string model)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Captions > HeldOutCaptions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(plan), plan.Captions, $"The study asks for {plan.Captions} captions; the built-in model has {HeldOutCaptions.Count} held-out captions.");
        }

        var specs = HeldOutEvaluation.Subset(plan.Captions);
        return StudyJobPlan.Of(plan, model, [.. specs.Select(Caption.Render)], [.. specs.Select(s => s.Seed)]);
    }

    /// <summary>Runs the study's missing jobs and comparisons, then merges the folder's results into the table.</summary>
    /// <param name="plan">The study.</param>
    /// <param name="model">The model the jobs name (see <see cref="Expand"/>).</param>
    /// <param name="device">Where it runs, in words, for the report.</param>
    /// <param name="resultsDirectory">The results folder; created when missing.</param>
    /// <param name="progress">Sees every clip, warm-up clips included.</param>
    /// <param name="cancellationToken">Stops between and inside clips; finished jobs keep their results.</param>
    public async Task<StudyResult> RunAsync(
        StudyPlan plan,
        string model,
        string device,
        string resultsDirectory,
        IProgress<StudyClipEvent>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var jobs = Expand(plan, model);
        var folder = new StudyResultsFolder(resultsDirectory);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();

        var pending = jobs.Jobs.Where(j => !folder.HasResult(j.Key)).ToArray();
        var warmUps = plan.Rows.Select(r => pending.FirstOrDefault(j => j.Row.Name == r.Name)).OfType<StudyJob>().ToArray();
        var total = warmUps.Length + pending.Length;
        var done = 0;
        foreach (var job in warmUps)
        {
            var warm = await _executor.WarmUpAsync(job, cancellationToken).ConfigureAwait(false);
            progress?.Report(new StudyClipEvent(job.Row.Name, job.Caption, warm.TotalElapsed.TotalSeconds, ++done, total, WarmUp: true));
        }

        foreach (var job in pending)
        {
            var run = await _executor.RunAsync(job, cancellationToken).ConfigureAwait(false);
            folder.Write(job, run);
            progress?.Report(new StudyClipEvent(job.Row.Name, job.Caption, run.Video?.TotalElapsed.TotalSeconds ?? 0, ++done, total, WarmUp: false));
        }

        return Finish(jobs, folder, _executor.Layers, device, started, clock.Elapsed);
    }

    /// <summary>
    /// The study's result from whatever its results folder holds: the comparisons whose clips are in (computed once
    /// and kept), then the pure merge. Whoever ran the jobs (this runner, or a cluster's workers), the table is the same.
    /// </summary>
    internal static StudyResult Finish(StudyJobPlan jobs, StudyResultsFolder folder, int layers, string device, DateTimeOffset started, TimeSpan elapsed)
    {
        var comparisons = Compare(jobs, folder);
        var results = jobs.Jobs.Select(j => folder.ReadResult(j.Key)).OfType<JobResultRecord>().ToArray();
        var table = jobs.Merge(layers, results, comparisons);
        return Result(jobs.Plan, jobs, table, folder, device, started, elapsed);
    }

    /// <summary>Every comparison the table needs whose two clips exist, computed once and kept in the folder.</summary>
    private static List<JobComparisonRecord> Compare(StudyJobPlan jobs, StudyResultsFolder folder)
    {
        var comparisons = new List<JobComparisonRecord>();
        foreach (var pair in jobs.Comparisons)
        {
            if (folder.ReadComparison(pair.Key, pair.Reference) is { } kept)
            {
                comparisons.Add(kept);
                continue;
            }

            if (!folder.HasClip(pair.Key) || !folder.HasClip(pair.Reference))
            {
                continue;
            }

            var reference = folder.ReadClip(pair.Reference);
            var clip = folder.ReadClip(pair.Key);
            var comparison = new JobComparisonRecord(pair.Key, pair.Reference, VideoMetrics.Psnr(reference, clip), VideoMetrics.Ssim(reference, clip));
            folder.WriteComparison(comparison);
            comparisons.Add(comparison);
        }

        return comparisons;
    }

    private static StudyResult Result(
        StudyPlan plan, StudyJobPlan jobs, StudyJobTable table, StudyResultsFolder folder, string device, DateTimeOffset started, TimeSpan elapsed)
    {
        var rows = table.Rows.Select(t => new StudyRowResult(
            t.Row,
            t.MedianSeconds,
            t.MeasuredSpeedup,
            t.ExecutedFraction,
            t.ComputedSteps,
            t.Psnr,
            t.Ssim,
            new AdherenceSummary(
                new AttributeAccuracy(t.ColourCorrect, t.Judged),
                new AttributeAccuracy(t.ShapeCorrect, t.Judged),
                new AttributeAccuracy(t.MotionCorrect, t.Judged),
                new AttributeAccuracy(t.SpeedCorrect, t.Judged),
                new AttributeAccuracy(t.CountCorrect, t.Judged),
                new AttributeAccuracy(t.AllCorrect, t.Judged),
                t.MeanAdherence))).ToArray();

        var sheetJobs = plan.SheetRows
            .Select(name => jobs.Jobs.Single(j => j.Row.Name == name && j.CaptionIndex == plan.SheetCaption && j.Repeat == 0))
            .ToArray();
        IReadOnlyList<(string, VideoClip)> sheet = sheetJobs.All(j => folder.HasClip(j.Key))
            ? [.. sheetJobs.Select(j => (j.Row.Name, folder.ReadClip(j.Key)))]
            : [];
        var sheetCaption = jobs.Jobs.First(j => j.CaptionIndex == plan.SheetCaption).Caption;

        return new StudyResult(plan, rows, sheetCaption, sheet, device, started, elapsed)
        {
            Failures = [.. table.Failed.Select(f => $"{f.Job.Output} ({f.Job.Key}): {f.Error}")],
            Missing = table.Missing.Count + table.MissingComparisons.Count,
        };
    }
}
