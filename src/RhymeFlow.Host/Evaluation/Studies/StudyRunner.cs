using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>
/// Runs a study on the built-in model: every row on the same held-out captions with their fixed seeds, rows interleaved
/// caption by caption so that a slow spell of the machine falls on every row alike, and each clip judged and compared
/// with the reference row's clip of the same seed.
/// </summary>
/// <remarks>
/// Before anything is timed, each row generates the first caption once, untimed: the first run of a code path pays
/// for JIT compilation and libtorch's lazy initialisation, which would otherwise count against whichever row came
/// first. The order of the rows rotates from caption to caption for the same reason.
/// </remarks>
public sealed class StudyRunner
{
    private readonly MiniModel _model;
    private readonly MiniVideoGenerator _generator;

    public StudyRunner(MiniModel model)
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
            Caption.Render(spec), spec.Seed, row.Schedule, guidance, cancellationToken: cancellationToken, reduction: row.Reduction, stepCache: StepCacheOf(_model, row)).ConfigureAwait(false);
        return video.CacheTrace is { } trace
            ? new StudyClip(video, trace.BlockEvaluations, trace.ComputedSteps)
            : new StudyClip(video, BlocksRun: -1, ComputedSteps: -1);
    }

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
