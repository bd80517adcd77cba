using RhymeFlow.Core;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// AsymRnR for a denoising run: which fraction of each layer's self-attention queries and keys/values to drop at each
/// step, and how tokens are split and matched.
/// </summary>
/// <param name="Schedule">The setting of (step, layer); steps are the plan's sampling steps, layers the block indices.</param>
/// <param name="Stride">Window size of the destination choice; null for <see cref="Reduction.DefaultStride"/> (2x2x2).</param>
/// <param name="Seed">Seed of the destination choice (mixed with the reuse window, layer and feature).</param>
/// <param name="ChunkBytes">Largest source-by-destination distance block computed at once, in bytes.</param>
public sealed record AttentionReduction(
    Func<int, int, LayerReduction> Schedule,
    WindowStride? Stride = null,
    long Seed = 0,
    long ChunkBytes = AttentionReduction.DefaultChunkBytes)
{
    /// <summary>The (blocks, steps) a compiled schedule was made for; null for a hand-written <see cref="Schedule"/>.</summary>
    public (int Blocks, int Steps)? CompiledFor { get; init; }

    public const long DefaultChunkBytes = 64L << 20;

    /// <summary>
    /// A schedule compiled by the core (<see cref="TokenReductionSpec.Compile"/>) for the model's blocks and the plan's
    /// steps: its ratios and reuse windows, its spec's stride and seed.
    /// </summary>
    public static AttentionReduction FromSchedule(TokenReductionSchedule schedule, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var spec = schedule.Schedule.Spec;
        return new AttentionReduction(
            (step, layer) =>
            {
                var setting = schedule.At(step, layer);
                return new LayerReduction(setting.Ratios.QueryRatio, setting.Ratios.KeyValueRatio, setting.Window.Start);
            },
            spec.Stride,
            spec.Seed,
            chunkBytes)
        {
            CompiledFor = (schedule.Blocks, schedule.Steps),
        };
    }

    /// <summary>
    /// Checks, before any work, that a compiled schedule was made for this model's blocks and this plan's ladder:
    /// otherwise a run would read the wrong steps or fail halfway.
    /// </summary>
    public void CheckFits(int blocks, int steps)
    {
        if (CompiledFor is { } made && made != (blocks, steps))
        {
            throw new ArgumentException(
                $"The token reduction was compiled for {made.Blocks} blocks and {made.Steps} steps; this run has {blocks} blocks and {steps} steps on its ladder. Compile it with AttentionReduction.Compile(spec, blocks, schedule).",
                "Reduction");
        }
    }

    /// <summary>
    /// Compiles <paramref name="spec"/> for a model of <paramref name="blocks"/> blocks and the ladder that
    /// <paramref name="schedule"/> runs on, so that its steps are the plan's evaluation steps.
    /// </summary>
    /// <exception cref="ArgumentException">The spec does not fit the model (a profile of another block count).</exception>
    public static AttentionReduction Compile(TokenReductionSpec spec, int blocks, ScheduleSpec schedule, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schedule);
        return FromSchedule(spec.Compile(blocks, SpecModule.LadderSteps(schedule.Spec)), chunkBytes);
    }

    /// <summary>The same ratios at every step and layer, re-matching every <paramref name="reuseSteps"/> steps.</summary>
    public static AttentionReduction Uniform(double query, double keyValue, int reuseSteps = 1, WindowStride? stride = null, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reuseSteps, 1);
        _ = new LayerReduction(query, keyValue, 0); // Bad ratios fail here rather than at the run's first step.
        return new AttentionReduction((step, _) => new LayerReduction(query, keyValue, step / reuseSteps * reuseSteps), stride, seed);
    }

    /// <summary>The stride in use.</summary>
    public WindowStride WindowStride => Stride ?? Reduction.DefaultStride;

    /// <summary>Checks the settings, naming the bad one.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Schedule);
        var stride = WindowStride;
        if (stride.AlongFrames < 1 || stride.AlongRows < 1 || stride.AlongColumns < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Stride),
                $"Every window stride must be at least 1 (frames x rows x columns), got {stride.AlongFrames}x{stride.AlongRows}x{stride.AlongColumns}.");
        }

        if (ChunkBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, "The matching chunk budget must be a positive number of bytes.");
        }
    }
}
