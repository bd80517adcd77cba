using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Acceleration;

/// <summary>
/// What a denoising run does to its self-attention, step by step: AsymRnR (<see cref="AsymRnR.AsymRnRRun"/>) or a
/// caller's own policy, such as <see cref="AsymRnR.RedundancyProfiler"/>, which only observes. The executor asks once
/// per model evaluation, on its compute thread.
/// </summary>
public interface ISelfAttentionPolicy
{
    /// <summary>The self-attention replacement of an evaluation at sampling step <paramref name="step"/>; null runs it dense.</summary>
    ISelfAttentionReduction? ForStep(int step);
}
