using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation;

/// <summary>
/// Generates held-out captions (<see cref="HeldOutCaptions"/>, each with its fixed seed) with the built-in model under
/// one schedule and judges every clip with <see cref="ClipEvaluator"/>: the model card's accuracy figures, the
/// trainer's accuracy curve and the sizing sweep all come from here.
/// </summary>
public static class HeldOutEvaluation
{
    /// <summary>
    /// A spread subset of the held-out specs: every (64 / count)-th, so a small subset still covers every motion
    /// and both one- and two-object captions.
    /// </summary>
    public static IReadOnlyList<ClipSpec> Subset(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, HeldOutCaptions.Count);
        var specs = HeldOutCaptions.Specs;
        return Enumerable.Range(0, count).Select(i => specs[(int)((long)i * specs.Count / count)]).ToArray();
    }

    /// <summary>Generates and judges <paramref name="specs"/> one by one.</summary>
    /// <param name="generator">The model's generator.</param>
    /// <param name="specs">What to generate; each spec's seed is the noise seed.</param>
    /// <param name="schedule">The sampling schedule.</param>
    /// <param name="guidance">CFG scale.</param>
    /// <param name="onClip">Receives each clip with its judgement, in order (e.g. to print or keep it).</param>
    /// <param name="cancellationToken">Stops between and inside clips.</param>
    public static async Task<IReadOnlyList<ClipJudgement>> RunAsync(
        MiniVideoGenerator generator,
        IReadOnlyList<ClipSpec> specs,
        ScheduleSpec schedule,
        double guidance,
        Action<MiniVideo, ClipJudgement>? onClip = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(schedule);
        var judgements = new List<ClipJudgement>(specs.Count);
        foreach (var spec in specs)
        {
            var video = await generator.GenerateAsync(Caption.Render(spec), spec.Seed, schedule, guidance, cancellationToken: cancellationToken).ConfigureAwait(false);
            var judgement = ClipEvaluator.Evaluate(video.Clip, spec);
            judgements.Add(judgement);
            onClip?.Invoke(video, judgement);
        }

        return judgements;
    }
}
