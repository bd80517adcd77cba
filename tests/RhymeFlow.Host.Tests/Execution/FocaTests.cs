using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Models.Wan;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>FoCa's forecast jump and Heun correction against the formulas, recomputed with direct model calls.</summary>
public sealed class FocaTests : IDisposable
{
    private static readonly int[] NonKeyframes = [0, 2, 4];
    private readonly TinyRun _run = new();

    [Fact]
    public void ForecastJumpAndHeunCorrectionFollowTheFormulas()
    {
        var schedule = Schedules.RhymeFlow(
            steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 3, progressive: false,
            projection: ProjectionKind.FoCa, heunCorrection: true, solver: SolverKind.Euler);
        var states = new List<Tensor>();
        using var result = new VideoDenoiser(_run.Model).Run(
            _run.Request(schedule, guidance: 1) with { Keyframes = [1, 3] },
            e => states.Add(e.CopyLatents()),
            CancellationToken.None);
        try
        {
            var plan = result.Plan;
            var evaluations = plan.Evaluations;
            var sigmas = plan.Sigmas;

            // The first group starts with the full evaluation at step 3 (index 3) after the warm-up's 0..2.
            var start = evaluations[3];
            Assert.Equal(EvaluationKindView.Full, start.Kind);
            var correction = evaluations.First(e => e.Kind == EvaluationKindView.Correction);
            var end = correction.SigmaIndex[0];
            Assert.Equal(6, end);

            using var v2 = Velocity(states[1], plan.Timesteps[2]);
            using var v3 = Velocity(states[2], plan.Timesteps[3]);

            // Jump: x_end = x_3 + (σ6 − σ3)·v̂ with v̂ = v3 + (σ6 − σ3)/2 · (v3 − v2)/(σ3 − σ2).
            var slope = (sigmas[6] - sigmas[3]) / 2 / (sigmas[3] - sigmas[2]);
            using var forecast = v3 + (v3 - v2) * slope;
            using var jumped = states[2] + forecast * (sigmas[6] - sigmas[3]);
            AssertFrames(jumped, states[3], "the forecast jump");

            // Heun: x_end = x_3 + (σ6 − σ3)·(v3 + v_end)/2, v_end at the jumped state.
            using var vEnd = Velocity(states[correction.Index - 1], plan.Timesteps[end]);
            using var heun = states[2] + (v3 + vEnd) * ((sigmas[6] - sigmas[3]) / 2);
            AssertFrames(heun, states[correction.Index], "the Heun correction");
        }
        finally
        {
            foreach (var state in states)
            {
                state.Dispose();
            }
        }
    }

    private Tensor Velocity(Tensor latents, double timestep)
    {
        using var noGrad = no_grad();
        using var t = tensor(new[] { (float)timestep });
        return _run.Model.Forward(latents, t, _run.Text);
    }

    private static void AssertFrames(Tensor expected, Tensor actual, string what)
    {
        foreach (var frame in NonKeyframes)
        {
            using var e = expected[.., .., frame];
            using var a = actual[.., .., frame];
            var error = WanTiny.RelativeError(a, e);
            Assert.True(error < 1e-5, $"{what}, frame {frame}: relative error {error:E2}");
        }
    }

    public void Dispose() => _run.Dispose();
}
