using RhymeFlow.Core;
using RhymeFlow.Host.Execution;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class ProjectionTests : IDisposable
{
    private readonly TinyRun _run = new();

    [Theory]
    [InlineData(ProjectionKind.LinearSigma)]
    [InlineData(ProjectionKind.LinearTimestep)]
    [InlineData(ProjectionKind.Frozen)]
    public void InnerStepInputsLieOnTheGroupTrajectory(ProjectionKind projection)
    {
        // Hand-built keyframes {1, 3}: every inner step must feed non-keyframes
        // x_j = (1 − α)·x_i + α·x_end with α = (s_i − s_j)/(s_i − s_end) in sigma (or timestep) space; frozen keeps α = 0.
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 4, maxSkip: 4, progressive: false, projection: projection);
        var plan = schedule.Prepare(5).Complete([1, 3]);
        var states = new Dictionary<int, Tensor>();
        var checkedSteps = 0;
        using var result = Run(schedule, states, (evaluation, projected) =>
        {
            var start = LastFullBefore(plan, evaluation.Index);
            var end = evaluation.Transitions[0].GroupEnd;
            var ladder = projection == ProjectionKind.LinearSigma ? plan.Sigmas : [.. plan.Timesteps, 0];
            var alpha = projection == ProjectionKind.Frozen ? 0 : (ladder[start.Step] - ladder[evaluation.Step]) / (ladder[start.Step] - ladder[end]);
            var before = states[start.Index - 1];
            var after = states[start.Index];
            foreach (var frame in new[] { 0, 2, 4 })
            {
                using var expected = before[.., .., frame] * (1 - alpha) + after[.., .., frame] * alpha;
                using var actual = projected[.., .., frame].cpu();
                Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6), $"frame {frame} at step {evaluation.Step}");
            }

            foreach (var keyframe in new[] { 1, 3 })
            {
                using var own = states[evaluation.Index - 1][.., .., keyframe];
                using var actual = projected[.., .., keyframe].cpu();
                Assert.True(actual.equal(own).all().item<bool>(), $"keyframe {keyframe} must enter with its own state");
            }

            checkedSteps++;
        });

        Assert.Equal(plan.ActiveCount, checkedSteps);
        Assert.True(checkedSteps >= 6);
        foreach (var state in states.Values)
        {
            state.Dispose();
        }
    }

    private VideoLatents Run(ScheduleSpec schedule, Dictionary<int, Tensor> states, Action<EvaluationView, Tensor> observe) =>
        new VideoDenoiser(_run.Model).Run(
            _run.Request(schedule) with { Keyframes = [1, 3] },
            e => states[e.Index] = e.CopyLatents(),
            CancellationToken.None,
            observe);

    private static EvaluationView LastFullBefore(PlanView plan, int index) =>
        plan.Evaluations.Take(index).Last(e => e.Kind == EvaluationKindView.Full);

    public void Dispose() => _run.Dispose();
}
