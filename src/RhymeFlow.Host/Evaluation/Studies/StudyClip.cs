using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>One generated clip of a study row, with what a step cache executed for it (-1 without a cache).</summary>
internal sealed record StudyClip(MiniVideo Video, int BlocksRun, int ComputedSteps);
