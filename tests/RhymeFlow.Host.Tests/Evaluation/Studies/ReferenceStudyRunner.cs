using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Evaluation.Studies;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Evaluation.Studies;

/// <summary>
/// The study runner as it was before studies ran as jobs, kept as the oracle that <see cref="StudyJobRunner"/> must
/// reproduce bit for bit: every row on the same held-out captions with their fixed seeds, rows interleaved caption by
/// caption in rotating order after one untimed warm-up clip each, clips tallied in memory.
/// </summary>
internal sealed class ReferenceStudyRunner
{
    private readonly MiniModel _model;
    private readonly MiniVideoGenerator _generator;

    public ReferenceStudyRunner(MiniModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _generator = new MiniVideoGenerator(model);
    }

    /// <summary>Runs the study; <paramref name="progress"/> sees every clip.</summary>
    public async Task<StudyResult> RunAsync(StudyPlan plan, string device, IProgress<StudyClipEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Captions > HeldOutCaptions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(plan), plan.Captions, $"The study asks for {plan.Captions} captions; the built-in model has {HeldOutCaptions.Count} held-out captions.");
        }

        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var specs = HeldOutEvaluation.Subset(plan.Captions);
        var rows = plan.Rows;
        var tallies = rows.Select(r => new StudyRowTally(r)).ToArray();
        var total = rows.Count * (1 + (specs.Count * plan.Repeats));
        var done = 0;

        foreach (var row in rows)
        {
            var warm = await GenerateAsync(row, specs[0], plan.Guidance, cancellationToken).ConfigureAwait(false);
            progress?.Report(new StudyClipEvent(row.Name, warm.Video.Caption, warm.Video.TotalElapsed.TotalSeconds, ++done, total, WarmUp: true));
        }

        var sheetCaption = Caption.Render(specs[plan.SheetCaption]);
        IReadOnlyList<(string, VideoClip)> sheet = [];
        for (var c = 0; c < specs.Count; c++)
        {
            var spec = specs[c];
            var clips = new VideoClip?[rows.Count];
            for (var repeat = 0; repeat < plan.Repeats; repeat++)
            {
                foreach (var r in Rotation(rows.Count, c + repeat))
                {
                    var clip = await GenerateAsync(rows[r], spec, plan.Guidance, cancellationToken).ConfigureAwait(false);
                    tallies[r].Time(clip.Video.TotalElapsed.TotalSeconds);
                    if (repeat == 0)
                    {
                        clips[r] = clip.Video.Clip;
                        tallies[r].Judge(ClipEvaluator.Evaluate(clip.Video.Clip, spec), clip.BlocksRun, clip.ComputedSteps);
                    }

                    progress?.Report(new StudyClipEvent(rows[r].Name, clip.Video.Caption, clip.Video.TotalElapsed.TotalSeconds, ++done, total, WarmUp: false));
                }
            }

            var reference = clips[IndexOf(rows, plan.Reference)]!;
            for (var r = 0; r < rows.Count; r++)
            {
                tallies[r].Compare(reference, clips[r]!);
            }

            if (c == plan.SheetCaption)
            {
                sheet = [.. plan.SheetRows.Select(name => (name, clips[IndexOf(rows, name)]!))];
            }
        }

        var referenceSeconds = tallies[IndexOf(rows, plan.Reference)].MedianSeconds;
        var layers = _model.Transformer.Config.NumLayers;
        var results = tallies.Select(t => t.Result(referenceSeconds, layers)).ToArray();
        return new StudyResult(plan, results, sheetCaption, sheet, device, started, clock.Elapsed);
    }

    /// <summary>Row indices starting at <paramref name="offset"/> modulo the count.</summary>
    internal static IEnumerable<int> Rotation(int count, int offset) =>
        Enumerable.Range(0, count).Select(i => (i + offset) % count);

    private static int IndexOf(IReadOnlyList<StudyRowPlan> rows, string name)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"The study has no row named '{name}'.", nameof(name));
    }

    private async Task<StudyClip> GenerateAsync(StudyRowPlan row, ClipSpec spec, double guidance, CancellationToken cancellationToken)
    {
        var video = await _generator.GenerateAsync(
            Caption.Render(spec), spec.Seed, row.Schedule, guidance, cancellationToken: cancellationToken, reduction: row.Reduction, stepCache: LocalJobExecutor.StepCacheOf(_model, row)).ConfigureAwait(false);
        return video.CacheTrace is { } trace
            ? new StudyClip(video, trace.BlockEvaluations, trace.ComputedSteps)
            : new StudyClip(video, BlocksRun: -1, ComputedSteps: -1);
    }
}

/// <summary>One generated clip of a study row, with what a step cache executed for it (-1 without a cache).</summary>
internal sealed record StudyClip(MiniVideo Video, int BlocksRun, int ComputedSteps);

/// <summary>What a study has measured of one row so far: clip times, judgements, fidelity and cache work.</summary>
internal sealed class StudyRowTally(StudyRowPlan row)
{
    private readonly List<double> _seconds = [];
    private readonly List<ClipJudgement> _judgements = [];
    private readonly List<double> _psnr = [];
    private readonly List<double> _ssim = [];
    private long _blocksRun;
    private long _computedSteps;
    private int _cachedClips;

    public double MedianSeconds => Median(_seconds);

    public void Time(double seconds) => _seconds.Add(seconds);

    public void Judge(ClipJudgement judgement, int blocksRun, int computedSteps)
    {
        _judgements.Add(judgement);
        if (blocksRun >= 0)
        {
            _blocksRun += blocksRun;
            _computedSteps += computedSteps;
            _cachedClips++;
        }
    }

    public void Compare(VideoClip reference, VideoClip clip)
    {
        _psnr.Add(VideoMetrics.Psnr(reference, clip));
        _ssim.Add(VideoMetrics.Ssim(reference, clip));
    }

    public StudyRowResult Result(double referenceSeconds, int layers)
    {
        var steps = row.Schedule.Steps;
        var executed = _cachedClips == 0 ? double.NaN : StudyPlan.ExecutedFraction((int)_blocksRun, steps * _cachedClips, layers);
        var computed = _cachedClips == 0 ? double.NaN : _computedSteps / (double)_cachedClips;
        return new StudyRowResult(
            row,
            MedianSeconds,
            referenceSeconds / MedianSeconds,
            executed,
            computed,
            _psnr.Count == 0 ? double.NaN : _psnr.Average(),
            _ssim.Count == 0 ? double.NaN : _ssim.Average(),
            AdherenceSummary.Of(_judgements));
    }

    /// <summary>The median: the mean of the middle two for an even count.</summary>
    internal static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
