namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>A step cache's record of a run: one <see cref="StepCacheStep"/> per evaluation, in order.</summary>
/// <param name="Cache">The settings the run used.</param>
/// <param name="Steps">One entry per evaluation.</param>
/// <param name="BlocksPerEvaluation">The model's blocks.</param>
public sealed record StepCacheTrace(StepCache Cache, IReadOnlyList<StepCacheStep> Steps, int BlocksPerEvaluation)
{
    /// <summary>Evaluations that ran every block.</summary>
    public int ComputedSteps => Steps.Count(s => s.BlocksComputed);

    /// <summary>Blocks actually executed, summed over the run.</summary>
    public int BlockEvaluations => Steps.Sum(s => s.BlocksExecuted);

    /// <summary>Blocks a dense run of the same evaluations executes.</summary>
    public int TotalBlocks => Steps.Count * BlocksPerEvaluation;
}
