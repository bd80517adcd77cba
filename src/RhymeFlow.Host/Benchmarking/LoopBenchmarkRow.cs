using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>One row of the loop benchmark: a schedule, what the cost model predicts for it, and what was measured.</summary>
public sealed class LoopBenchmarkRow
{
    internal LoopBenchmarkRow(string key, string name, string detail, ScheduleSpec schedule, PlanCostView predicted, TokenReductionSpec? reduction = null, StepCache? cache = null)
    {
        Cache = cache;
        Reduction = reduction;
        Key = key;
        Name = name;
        Detail = detail;
        Schedule = schedule;
        Predicted = predicted;
    }

    /// <summary>The row key (dense, rhymeflow, authors, hidden-host, fewer, asymrnr, rhymeflow+asymrnr, cache).</summary>
    public string Key { get; }

    /// <summary>The row's display name.</summary>
    public string Name { get; }

    /// <summary>Its knobs, in words.</summary>
    public string Detail { get; }

    /// <summary>The schedule the row runs.</summary>
    public ScheduleSpec Schedule { get; }

    /// <summary>The AsymRnR token reduction the row adds to its schedule, or null.</summary>
    public TokenReductionSpec? Reduction { get; }

    /// <summary>The step cache the row adds to its schedule, or null.</summary>
    public StepCache? Cache { get; }

    /// <summary>What the step cache did in the row's last run, or null.</summary>
    public StepCacheTrace? CacheTrace { get; internal set; }

    /// <summary>The cost model's view of the schedule at the benchmark's geometry.</summary>
    public PlanCostView Predicted { get; }

    /// <summary>Wall time of each timed loop, device-synchronised.</summary>
    public IReadOnlyList<double> Seconds => SecondsList;

    /// <summary>The median of <see cref="Seconds"/>.</summary>
    public double MedianSeconds => LoopBenchmark.Median(SecondsList);

    /// <summary>Peak memory of the row's first timed run (absolute bytes), where measured.</summary>
    public ulong? Peak { get; internal set; }

    /// <summary>The largest recorded context held at once.</summary>
    public long ContextBytes { get; internal set; }

    /// <summary>Full evaluations of the executed plan.</summary>
    public int Full { get; internal set; }

    /// <summary>Keyframe-only evaluations of the executed plan.</summary>
    public int Active { get; internal set; }

    /// <summary>The keyframes of the last run.</summary>
    public IReadOnlyList<int> Keyframes { get; internal set; } = [];

    internal List<double> SecondsList { get; } = [];

    internal List<double> ElapsedSeconds { get; } = [];

    internal List<LoopEvaluationSample> Evaluations { get; } = [];
}
