using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Models.Wan;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class PlanExecutionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TinyRun _run = new();

    public static TheoryData<SolverKind> Solvers => new() { SolverKind.Euler, SolverKind.UniPC };

    [Theory]
    [MemberData(nameof(Solvers))]
    public void RhymeFlowWithEveryFrameAKeyframeEqualsDense(SolverKind solver)
    {
        var all = Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 5, minSkip: 3, maxSkip: 4, solver: solver);
        AssertSameLatents(Schedules.Dense(steps: 10, solver: solver), all, 1e-6);
    }

    [Theory]
    [MemberData(nameof(Solvers))]
    public void RhymeFlowWithSkipOneEqualsDense(SolverKind solver)
    {
        var skipOne = Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 2, minSkip: 1, maxSkip: 1, progressive: false, solver: solver);
        AssertSameLatents(Schedules.Dense(steps: 10, solver: solver), skipOne, 1e-6);
    }

    [Fact]
    public void EventsMatchThePlanOneForOne()
    {
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);
        var (result, events) = _run.Run(schedule);
        using (result)
        {
            var plan = result.Plan.Evaluations;
            Assert.Equal(plan.Count, events.Count);
            Assert.Equal(result.Plan.FullCount + result.Plan.ActiveCount, events.Count);
            for (var i = 0; i < plan.Count; i++)
            {
                Assert.Equal(plan[i].Index, events[i].Index);
                Assert.Equal(plan[i].Step, events[i].Step);
                Assert.Equal(plan[i].Kind, events[i].Kind);
                Assert.Equal(plan[i].ComputedFrames, events[i].ComputedFrames);
                Assert.Equal(plan.Count, events[i].TotalEvaluations);
                Assert.False(events[i].LatentsAvailable);
            }

            Assert.Equal(2, result.Plan.Keyframes.Count);
            Assert.Contains(events, e => e.Kind == EvaluationKindView.Active && e.ProjectedFrames.Count == 3);
            output.WriteLine(result.Plan.Render());
        }
    }

    [Fact]
    public void ContextKindsGiveTheSameLatents()
    {
        // Recorded K/V and hidden states with K/V recomputed (on the device or the host) are the same
        // keyframe context, so the whole run must agree to float32 rounding.
        var keyValue = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.LayerKv);
        AssertSameLatents(keyValue, Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.LayerHiddenDevice), 1e-5);
        AssertSameLatents(keyValue, Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: ContextKind.LayerHiddenHost), 1e-5);
    }

    [Fact]
    public void MemoryBudgetSwitchesToHiddenStatesWithTheSameResult()
    {
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);
        var (unlimited, _) = _run.Run(schedule);
        using (unlimited)
        {
            var (limited, _) = _run.Run(schedule, options: new DenoiseOptions(ContextBudgetBytes: unlimited.ContextBytes - 1));
            using (limited)
            {
                Assert.Equal(unlimited.ContextBytes / 2, limited.ContextBytes, tolerance: unlimited.ContextBytes / 10.0);
                Assert.True(WanTiny.RelativeError(limited.Latents, unlimited.Latents) < 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(ContextKind.LayerKv)]
    [InlineData(ContextKind.LayerHiddenDevice)]
    public void MeasuredContextMemoryIsWithinTenPercentOfTheCostModel(ContextKind context)
    {
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4, context: context);
        var (result, _) = _run.Run(schedule);
        using (result)
        {
            var config = _run.Model.Config;
            var geometry = new Geometry(config.NumLayers, config.InnerDim, config.NumAttentionHeads, config.FfnDim, 16, 5, 7, 2, 4);
            var predicted = result.Plan.Cost(geometry).PeakContextBytes;
            output.WriteLine($"{context}: measured {result.ContextBytes} B, predicted {predicted} B");
            Assert.InRange(result.ContextBytes, 0.9 * predicted, 1.1 * predicted);
        }
    }

    private void AssertSameLatents(ScheduleSpec expected, ScheduleSpec actual, double tolerance)
    {
        var (reference, _) = _run.Run(expected);
        var (candidate, _) = _run.Run(actual);
        using (reference)
        using (candidate)
        {
            var error = WanTiny.RelativeError(candidate.Latents, reference.Latents);
            output.WriteLine($"relative error {error:E2}");
            Assert.True(error <= tolerance, $"relative error {error:E2} exceeds {tolerance:E0}");
        }
    }

    public void Dispose() => _run.Dispose();
}
