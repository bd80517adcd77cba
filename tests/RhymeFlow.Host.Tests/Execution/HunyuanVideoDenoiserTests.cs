using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.HunyuanVideo;
using RhymeFlow.Host.Tests.Models.HunyuanVideo;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// HunyuanVideo through the executor (<see cref="VideoDenoiser"/> over the model seam): flow Euler on its pipeline's
/// ladder (shift 7), embedded guidance 6 in one pass, on the tiny fixture model (3 latent frames of 8 x 8).
/// </summary>
public sealed class HunyuanVideoDenoiserTests(ITestOutputHelper output) : IDisposable
{
    private const string LoopFile = "hunyuanvideo-tiny.loop.safetensors";
    private const double Shift = 7;
    private const double Guidance = 6;
    private static readonly ScheduleSpec Dense = Schedules.Dense(steps: 10, shift: Shift, solver: SolverKind.Euler);

    private readonly HunyuanVideoTransformer _model = HunyuanVideoTiny.Load();
    private readonly Dictionary<string, Tensor> _loop = HunyuanVideoTiny.ReadCase(LoopFile);

    [Fact]
    public void TheDenseEulerLoopMatchesThePipelines()
    {
        var steps = new List<Tensor>();
        using var result = new VideoDenoiser(_model).Run(Request(Dense), e => steps.Add(e.CopyLatents()), CancellationToken.None);
        Assert.Equal(10, steps.Count);
        for (var step = 0; step < steps.Count; step++)
        {
            using var expected = _loop["euler_latents"][step];
            var stepError = HunyuanVideoTiny.RelativeError(steps[step], expected);
            output.WriteLine($"step {step}: relative L2 error {stepError:E3}");
            Assert.True(stepError < 1e-4, $"step {step}: relative error {stepError:E3}");
            steps[step].Dispose();
        }

        var error = HunyuanVideoTiny.RelativeError(result.Latents, _loop["euler_result"]);
        output.WriteLine($"result: relative L2 error {error:E3}");
        Assert.True(error < 1e-4, $"relative error {error:E3}");
    }

    [Theory]
    [InlineData(3, 3, 4, SpacingKind.SolverDefault)]
    [InlineData(3, 3, 4, SpacingKind.Linspace)]
    [InlineData(2, 1, 1, SpacingKind.SolverDefault)]
    public void RhymeFlowWithoutProjectedFramesEqualsDense(int keyframes, int minSkip, int maxSkip, SpacingKind spacing)
    {
        var rhymeFlow = Schedules.RhymeFlow(
            steps: 10, warmupSteps: 2, keyframes: keyframes, minSkip: minSkip, maxSkip: maxSkip, progressive: minSkip != maxSkip, solver: SolverKind.Euler, shift: Shift, spacing: spacing);
        using var dense = Run(Dense);
        using var keyframed = Run(rhymeFlow);
        Assert.Equal(keyframes, keyframed.Plan.Keyframes.Count);
        var error = HunyuanVideoTiny.RelativeError(keyframed.Latents, dense.Latents);
        output.WriteLine($"M = {keyframes}, skip {minSkip}..{maxSkip}: relative L2 error {error:E3} against dense");
        Assert.True(error < 1e-6, $"relative error {error:E3}");
    }

    [Fact]
    public void RhymeFlowWithProjectedFramesFeedsNonKeyframesThePlainProjectionOnThePipelinesLadder()
    {
        // M = 1 of F = 3 (keyframe 1): every inner step must feed frames 0 and 2 x_j = (1 − α)·x_i + α·x_end with
        // α = (σ_i − σ_j)/(σ_i − σ_end) on the pipeline's own sigmas, read here from the fixture's table.
        var rhymeFlow = Schedules.RhymeFlow(
            steps: 10, warmupSteps: 2, keyframes: 1, minSkip: 3, maxSkip: 4, solver: SolverKind.Euler, shift: Shift, spacing: SpacingKind.Linspace);
        var plan = rhymeFlow.Prepare(3).Complete([1]);
        var sigmas = _loop["sigmas"].to(ScalarType.Float64).data<double>().ToArray();
        var states = new Dictionary<int, Tensor>();
        var checkedSteps = 0;
        var worst = 0.0;
        using var result = new VideoDenoiser(_model).Run(
            Request(rhymeFlow) with { Keyframes = [1] },
            e => states[e.Index] = e.CopyLatents(),
            CancellationToken.None,
            (evaluation, projected) =>
            {
                var start = plan.Evaluations.Take(evaluation.Index).Last(e => e.Kind == EvaluationKindView.Full);
                var end = evaluation.Transitions[0].GroupEnd;
                var alpha = (sigmas[start.Step] - sigmas[evaluation.Step]) / (sigmas[start.Step] - sigmas[end]);
                var before = states[start.Index - 1];
                var after = states[start.Index];
                foreach (var frame in new[] { 0, 2 })
                {
                    using var expected = (before[.., .., frame] * (1 - alpha)) + (after[.., .., frame] * alpha);
                    using var actual = projected[.., .., frame].cpu();
                    worst = Math.Max(worst, HunyuanVideoTiny.RelativeError(actual, expected));
                }

                using var own = states[evaluation.Index - 1][.., .., 1];
                using var keyframe = projected[.., .., 1].cpu();
                Assert.True(keyframe.equal(own).all().item<bool>(), $"the keyframe must enter step {evaluation.Step} with its own state");
                checkedSteps++;
            });

        output.WriteLine($"{checkedSteps} keyframe-only steps; worst relative L2 error of a projected frame {worst:E3}");
        Assert.Equal(plan.ActiveCount, checkedSteps);
        Assert.True(checkedSteps >= 4, $"only {checkedSteps} keyframe-only steps");
        Assert.True(worst < 1e-6, $"relative error {worst:E3}");
        Assert.Equal(sigmas, plan.Sigmas);
        foreach (var state in states.Values)
        {
            state.Dispose();
        }
    }

    [Fact]
    public void APlanWithProjectedFramesOnAnotherLadderIsRefusedNamingTheFamilyAndTheSpacing()
    {
        var rhymeFlow = Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 1, minSkip: 3, maxSkip: 4, solver: SolverKind.Euler, shift: Shift);
        var error = Assert.Throws<NotSupportedException>(() => Run(rhymeFlow));
        Assert.Contains(HunyuanVideoTransformer.FamilyName, error.Message, StringComparison.Ordinal);
        Assert.Contains("linspace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WanOnlyFeaturesAreRefusedNamingTheFamily()
    {
        var stepCache = Assert.Throws<ArgumentException>(() => Run(Request(Dense) with { StepCache = StepCache.FirstBlock(0.05) }));
        Assert.Contains(HunyuanVideoTransformer.FamilyName, stepCache.Message, StringComparison.Ordinal);

        using var negative = zeros_like(_loop["encoder_hidden_states"]);
        var withNegative = Assert.Throws<ArgumentException>(() => Run(Request(Dense) with { NegativeEmbeddings = negative }));
        Assert.Contains(HunyuanVideoTransformer.FamilyName, withNegative.Message, StringComparison.Ordinal);

        var unipc = Assert.Throws<NotSupportedException>(() => Run(Schedules.Dense(steps: 10, shift: Shift, solver: SolverKind.UniPC)));
        Assert.Contains(HunyuanVideoTransformer.FamilyName, unipc.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CancellingMidRunLeavesNoLiveTensors() => DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(_model, () => Request(Dense));

    [Fact]
    public void CompletedRunsLeaveOnlyTheirResult() => DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(_model, () => Request(Dense));

    public void Dispose()
    {
        HunyuanVideoTiny.DisposeAll(_loop);
        _model.Dispose();
    }

    private DenoiseRequest Request(ScheduleSpec schedule) =>
        new(_loop["encoder_hidden_states"], _loop["noise"], schedule, Guidance)
        {
            PromptAttentionMask = _loop["encoder_attention_mask"],
            PooledPromptEmbeddings = _loop["pooled_projections"],
        };

    private VideoLatents Run(ScheduleSpec schedule) => Run(Request(schedule));

    private VideoLatents Run(DenoiseRequest request) => new VideoDenoiser(_model).Run(request, _ => { }, CancellationToken.None);
}
