using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Runtime;
using RhymeFlow.Host.Sampling;
using RhymeFlow.Host.Tests.Models.CogVideoX;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// CogVideoX-1.5 through the executor (<see cref="VideoDenoiser"/> over the model seam): v on the VP ladder of the
/// core's Ddim solver, stepped by DDIM or DPM, on the tiny fixture model. A plan frame is a temporal token of two latent
/// frames; the fixture's 4 latent frames of 8 × 12 are 2 plan frames.
/// </summary>
public sealed class CogVideoXDenoiserTests(ITestOutputHelper output) : IDisposable
{
    private const string LoopFile = "cogvideox-tiny.loop.safetensors";
    private const int Steps = 10;
    private static readonly ScheduleSpec Dense = Schedules.Dense(steps: Steps, shift: 1, solver: SolverKind.Ddim);

    // Four plan frames (8 latent frames), keyframes 0 and 2, groups of three steps after two warm-up steps.
    private static readonly ScheduleSpec Grouped = Schedules.RhymeFlow(
        steps: Steps, warmupSteps: 2, keyframes: 2, minSkip: 3, maxSkip: 3, progressive: false, solver: SolverKind.Ddim, shift: 1);

    private static readonly int[] Keyframes = [0, 2];

    private readonly CogVideoXTransformer _model = CogVideoXTiny.Load();
    private readonly Dictionary<string, Tensor> _loop = CogVideoXTiny.ReadCase(LoopFile);

    [Theory]
    [InlineData("ddim")]
    [InlineData("dpm")]
    public void TheDenseLoopMatchesThePipelines(string sampler)
    {
        var steps = new List<Tensor>();
        var request = Request(Dense, ToExecutor(_loop["noise"])) with { VpSampler = Sampler(sampler) };
        using (var result = new VideoDenoiser(_model).Run(request, e => steps.Add(e.CopyLatents()), CancellationToken.None))
        {
            Assert.Equal(Steps, steps.Count);
            var worst = 0.0;
            for (var step = 0; step < Steps; step++)
            {
                using var expected = ToExecutor(_loop[$"{sampler}_latents"][step]);
                var stepError = CogVideoXTiny.RelativeError(steps[step], expected);
                worst = Math.Max(worst, stepError);
                Assert.True(stepError < 1e-4, $"{sampler} step {step}: relative error {stepError:E3}");
                steps[step].Dispose();
            }

            using var expectedResult = ToExecutor(_loop[$"{sampler}_result"]);
            var error = CogVideoXTiny.RelativeError(result.Latents, expectedResult);
            output.WriteLine($"{sampler}: worst step relative L2 error {worst:E3}, result {error:E3}");
            Assert.True(error < 1e-4, $"relative error {error:E3}");
        }
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("dpm")]
    public void RhymeFlowWithEveryFrameAKeyframeEqualsDense(string sampler)
    {
        var rhymeFlow = Schedules.RhymeFlow(steps: Steps, warmupSteps: 2, keyframes: 2, minSkip: 3, maxSkip: 3, progressive: false, solver: SolverKind.Ddim, shift: 1);
        using var noise = ToExecutor(_loop["noise"]);
        using var dense = Run(Request(Dense, noise) with { VpSampler = Sampler(sampler) });
        using var keyframed = Run(Request(rhymeFlow, noise) with { VpSampler = Sampler(sampler) });
        Assert.Equal(2, keyframed.Plan.Keyframes.Count);
        var error = CogVideoXTiny.RelativeError(keyframed.Latents, dense.Latents);
        output.WriteLine($"{sampler}, M = F = 2: relative L2 error {error:E3} against dense");
        Assert.True(error < 1e-6, $"relative error {error:E3}");
    }

    [Fact]
    public void NonKeyframesFollowTheDdimTransitionFromTheirGroupStart()
    {
        using var noise = GroupedNoise();
        var request = Request(Grouped, noise) with { Keyframes = Keyframes };
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, Steps);
        var before = new List<Tensor> { noise.clone() };
        var projections = new List<(int Step, Tensor Projected)>();
        using var result = new VideoDenoiser(_model).Run(
            request,
            e => before.Add(e.CopyLatents()),
            CancellationToken.None,
            (evaluation, projected) => projections.Add((evaluation.Step, ToLatentLayout(projected))));

        var plan = result.Plan;
        var nonKeyframes = Enumerable.Range(0, plan.Frames).Except(plan.Keyframes).ToArray();
        using var latentFrames = tensor(nonKeyframes.SelectMany(f => new long[] { 2 * f, (2 * f) + 1 }).ToArray());
        var groups = plan.Evaluations.Where(e => e.Transitions.Any(t => t.Kind == TransitionKind.Jump)).ToArray();
        Assert.NotEmpty(groups);
        var checkedSteps = 0;
        var worst = 0.0;
        foreach (var group in groups)
        {
            var start = group.Step;
            var stop = group.Transitions.First(t => t.Kind == TransitionKind.Jump).Target;

            // The plain reference: x0 and ε of the group start from the model's v there, and DDIM's level at step j.
            using var scope = NewDisposeScope();
            var xStart = before[group.Index];
            using var timestep = tensor(new float[] { schedule.Timesteps[start] });
            var v = _model.Forward(xStart.transpose(1, 2), timestep, _loop["encoder_hidden_states"]).transpose(1, 2);
            var a = schedule.Alpha(start);
            var x0 = Scaled(xStart, Math.Sqrt(a)).add(Scaled(v, -Math.Sqrt(1 - a)), Scalars.One);
            var eps = Scaled(xStart, Math.Sqrt(1 - a)).add(Scaled(v, Math.Sqrt(a)), Scalars.One);
            Tensor At(int j) => Scaled(x0, Math.Sqrt(schedule.PreviousAlpha(j - 1))).add(Scaled(eps, Math.Sqrt(1 - schedule.PreviousAlpha(j - 1))), Scalars.One).index_select(2, latentFrames);

            foreach (var (step, projected) in projections.Where(p => p.Step > start && p.Step < stop))
            {
                var error = CogVideoXTiny.RelativeError(projected.index_select(2, latentFrames), At(step));
                worst = Math.Max(worst, error);
                Assert.True(error < 1e-5, $"group [{start}, {stop}) step {step}: relative error {error:E3}");
                checkedSteps++;
            }

            // At the group end the non-keyframes hold the jump: the same update to the end's level.
            var endError = CogVideoXTiny.RelativeError(before[group.Index + (stop - start)].index_select(2, latentFrames), At(stop));
            worst = Math.Max(worst, endError);
            Assert.True(endError < 1e-5, $"group [{start}, {stop}) end: relative error {endError:E3}");
        }

        output.WriteLine($"{groups.Length} groups, {checkedSteps} inner steps: worst relative L2 error {worst:E3} against the plain DDIM transition");
        Assert.True(checkedSteps >= 4, $"only {checkedSteps} inner steps were checked");
        Assert.Equal(plan.Evaluations.Count, before.Count - 1);
        foreach (var tensor in before)
        {
            tensor.Dispose();
        }

        foreach (var (_, projected) in projections)
        {
            projected.Dispose();
        }
    }

    [Fact]
    public void AGroupedDpmRunWithGuidanceSelectsKeyframesStaysFiniteAndIsSeeded()
    {
        using var noise = GroupedNoise();
        using var negative = ones_like(_loop["encoder_hidden_states"]);

        // No keyframes given: they are selected from the VP clean estimate, one signature per temporal token.
        var request = Request(Grouped, noise) with { Guidance = 4, NegativeEmbeddings = negative, VpSampler = VpSampler.Dpm(seed: 3) };
        using var first = Run(request);
        using var second = Run(request);
        Assert.Equal(2, first.Plan.Keyframes.Count);
        Assert.All(first.Plan.Keyframes, k => Assert.InRange(k, 0, 3));
        Assert.Contains(first.Plan.Evaluations, e => e.Kind == EvaluationKindView.Active);
        Assert.True(first.Latents.isfinite().all().item<bool>());
        Assert.True(first.Latents.eq(second.Latents).all().item<bool>(), "the same seed must give the same run");
        using var other = Run(request with { VpSampler = VpSampler.Dpm(seed: 4) });
        Assert.False(first.Latents.eq(other.Latents).all().item<bool>(), "another seed must give another run");
    }

    [Fact]
    public void FlowSolversAndOddFrameCountsAreRefusedNamingTheFamily()
    {
        using var noise = GroupedNoise();
        var euler = Assert.Throws<NotSupportedException>(() => Run(Request(Schedules.Dense(steps: Steps, shift: 1, solver: SolverKind.Euler), noise)));
        Assert.Contains(CogVideoXTransformer.FamilyName, euler.Message, StringComparison.Ordinal);

        using var odd = noise.narrow(2, 0, 7);
        var frames = Assert.Throws<ArgumentException>(() => Run(Request(Dense, odd)));
        Assert.Contains(CogVideoXTransformer.FamilyName, frames.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AsymRnRRunsThroughGroupedRunsOnTheVideoTokensAndZeroRatiosChangeNothing()
    {
        using var noise = GroupedNoise();
        var request = Request(Grouped, noise) with { Keyframes = Keyframes };
        using var dense = Run(request);
        using var zero = Run(request with { Reduction = AttentionReduction.Uniform(0, 0) });
        Assert.True(zero.Latents.eq(dense.Latents).all().item<bool>(), "zero ratios must leave the run bit for bit");

        var reduction = request with { Reduction = AttentionReduction.Uniform(0.5, 0.3) };
        Run(reduction).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var reduced = Run(reduction);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Contains(reduced.Plan.Evaluations, e => e.Kind == EvaluationKindView.Active);
        var error = CogVideoXTiny.RelativeError(reduced.Latents, dense.Latents);
        output.WriteLine($"cogvideox-tiny grouped DDIM run, Q 0.5 / KV 0.3: relative L2 error {error:E3} against the unreduced run");
        Assert.InRange(error, 1e-6, 0.5);
    }

    [Fact]
    public void CancellingMidRunLeavesNoLiveTensors()
    {
        using var noise = GroupedNoise();
        DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(_model, () => Request(Grouped, noise) with { Keyframes = Keyframes });
    }

    [Fact]
    public void CompletedRunsLeaveOnlyTheirResult()
    {
        using var noise = GroupedNoise();
        DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(_model, () => Request(Grouped, noise) with { Keyframes = Keyframes, VpSampler = VpSampler.Dpm() });
    }

    public void Dispose()
    {
        CogVideoXTiny.DisposeAll(_loop);
        _model.Dispose();
    }

    /// <summary>The fixture's (B, F, C, H, W) as the executor's [B, C, F, H, W].</summary>
    private static Tensor ToExecutor(Tensor diffusers) => diffusers.transpose(1, 2).contiguous();

    /// <summary>The executor's plan layout [B, C, F / 2, 2 · H, W] as [B, C, F, H, W].</summary>
    private static Tensor ToLatentLayout(Tensor plan) =>
        plan.reshape(plan.shape[0], plan.shape[1], plan.shape[2] * 2, plan.shape[3] / 2, plan.shape[4]).clone().DetachFromDisposeScope();

    /// <summary>t · w with the Scalar held until the call has returned.</summary>
    private static Tensor Scaled(Tensor t, double w)
    {
        using var weight = w.ToScalar();
        return t.mul(weight);
    }

    private VpSampler Sampler(string name) => name == "dpm" ? VpSampler.Dpm(new StoredNoise(_loop["dpm_step_noise"])) : VpSampler.Ddim;

    /// <summary>Eight latent frames (four plan frames) of seeded noise at the fixture's 8 × 12.</summary>
    private static Tensor GroupedNoise()
    {
        using var generator = new Generator(11);
        return randn([1, 4, 8, 8, 12], generator: generator);
    }

    private DenoiseRequest Request(ScheduleSpec schedule, Tensor noise) => new(_loop["encoder_hidden_states"], noise, schedule, Guidance: 1);

    private VideoLatents Run(DenoiseRequest request) => new VideoDenoiser(_model).Run(request, _ => { }, CancellationToken.None);

    /// <summary>The noise diffusers drew at each step of the fixture's DPM loop, in the executor's layout.</summary>
    private sealed class StoredNoise(Tensor steps) : INoiseSource
    {
        public Tensor Noise(int step, Tensor like) => steps[step].transpose(1, 2).to(like.dtype, like.device).contiguous();
    }
}
