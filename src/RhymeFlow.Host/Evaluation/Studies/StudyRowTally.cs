using RhymeFlow.Core;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation.Studies;

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
