using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>What running one job gave: its result, and the clip unless the job failed.</summary>
internal sealed record JobRun(JobResultRecord Result, MiniVideo? Video);

/// <summary>
/// Runs study jobs in this process on one loaded model: the weights and the generator live as long as the executor,
/// never reloaded per job.
/// </summary>
/// <remarks>
/// A caption the model's grammar cannot read fails deterministically: the job's result records the error, and it is
/// not run again. Anything else that goes wrong (cancellation, a native error) is thrown and leaves no result, so
/// the job runs again on the next submission.
/// </remarks>
internal sealed class LocalJobExecutor(MiniModel model)
{
    private readonly MiniModel _model = model ?? throw new ArgumentNullException(nameof(model));
    private readonly MiniVideoGenerator _generator = new(model);

    public int Layers => _model.Transformer.Config.NumLayers;

    /// <summary>Generates the job's clip and judges it against the caption's spec.</summary>
    public async Task<JobRun> RunAsync(StudyJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ClipSpec spec;
        try
        {
            spec = Caption.Parse(job.Caption, job.Seed);
        }
        catch (FormatException e)
        {
            return new JobRun(job.Failed($"caption \"{job.Caption}\": {e.Message}"), null);
        }

        var video = await GenerateAsync(job, cancellationToken).ConfigureAwait(false);
        var judgement = ClipEvaluator.Evaluate(video.Clip, spec);
        var trace = video.CacheTrace;
        var result = job.Succeeded(
            video.TotalElapsed.TotalSeconds,
            trace?.BlockEvaluations ?? -1,
            trace?.ComputedSteps ?? -1,
            judgement.CountCorrect,
            judgement.ColourCorrect,
            judgement.ShapeCorrect,
            judgement.MotionCorrect,
            judgement.SpeedCorrect,
            judgement.Adherence);
        return new JobRun(result, video);
    }

    /// <summary>Generates the job's clip untimed and unjudged: pays a row's JIT and lazy initialisation before timing.</summary>
    public Task<MiniVideo> WarmUpAsync(StudyJob job, CancellationToken cancellationToken) => GenerateAsync(job, cancellationToken);

    private Task<MiniVideo> GenerateAsync(StudyJob job, CancellationToken cancellationToken) =>
        _generator.GenerateAsync(
            job.Caption,
            job.Seed,
            job.Row.Schedule,
            job.Guidance,
            cancellationToken: cancellationToken,
            reduction: job.Row.Reduction,
            stepCache: StepCacheOf(_model, job.Row));

    /// <summary>The row's step cache; TeaCache takes the model's calibrated rescale polynomial (teacache.json in its package).</summary>
    internal static StepCache? StepCacheOf(MiniModel model, StudyRowPlan row) => row.CacheKind switch
    {
        null => null,
        StepCacheKind.FirstBlock => StepCache.FirstBlock(row.CacheThreshold),
        StepCacheKind.TeaCache => StepCache.TeaCache(
            row.CacheThreshold,
            model.TeaCacheCoefficients ?? throw new InvalidOperationException(
                $"Row '{row.Name}' runs TeaCache, but the model package has no {TeaCacheCalibrationFile.FileName}: calibrate it first (RhymeFlow.Train calibrate-teacache).")),
        _ => throw new ArgumentOutOfRangeException(nameof(row), row.CacheKind, $"Row '{row.Name}' has an unknown step cache."),
    };
}
