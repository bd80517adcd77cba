using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Runtime;
using RhymeFlow.Host.Sampling;
using RhymeFlow.Host.Tests.Models.CogVideoX;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// Every projection rule on CogVideoX's VP ladder, on the tiny fixture: the flow rules in the flow-equivalent
/// coordinates x / s, s = √ᾱ + √(1 − ᾱ), τ = √(1 − ᾱ) / s. The references are written out here from the recorded
/// states and direct model calls: x_j = (s_j/s_start)(1 − α)·x_start + (s_j/s_stop)·α·x_stop for the inner steps,
/// FoCa's forecast and Heun correction on v = ε̂ − x̂0 mapped back by s at the end's level.
/// </summary>
public sealed class CogVideoXProjectionTests(ITestOutputHelper output) : IDisposable
{
    private const string LoopFile = "cogvideox-tiny.loop.safetensors";
    private const int Steps = 10;
    private const int Frames = 4;
    private static readonly int[] Keyframes = [0, 2];
    private static readonly int[] NonKeyframes = [1, 3];

    private readonly CogVideoXTransformer _model = CogVideoXTiny.Load();
    private readonly Dictionary<string, Tensor> _loop = CogVideoXTiny.ReadCase(LoopFile);
    private readonly VpSchedule _schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, Steps);

    [Theory]
    [InlineData(ProjectionKind.LinearTimestep, false, "ddim")]
    [InlineData(ProjectionKind.Frozen, false, "ddim")]
    [InlineData(ProjectionKind.FoCa, false, "ddim")]
    [InlineData(ProjectionKind.FoCa, true, "ddim")]
    [InlineData(ProjectionKind.FoCa, true, "dpm")]
    public void InnerStepInputsFollowTheRuleInFlowEquivalentCoordinates(ProjectionKind projection, bool heun, string sampler)
    {
        var schedule = Grouped(projection, heun);
        using var noise = GroupedNoise();
        var before = new List<Tensor> { noise.clone() };
        var projections = new List<(EvaluationView Evaluation, Tensor Projected)>();
        var request = Request(schedule, noise) with { VpSampler = sampler == "dpm" ? VpSampler.Dpm(seed: 5) : VpSampler.Ddim };
        using var result = new VideoDenoiser(_model).Run(
            request,
            e => before.Add(e.CopyLatents()),
            CancellationToken.None,
            (evaluation, projected) => projections.Add((evaluation, ToLatentLayout(projected))));
        try
        {
            var plan = result.Plan;
            var core = schedule.Prepare(Frames).Complete(Keyframes);
            Assert.Equal(core.Evaluations.Count, plan.Evaluations.Count);
            Assert.Equal(plan.Evaluations.Count, before.Count - 1);
            Assert.Equal(core.ActiveCount, projections.Count);
            var corrections = plan.Evaluations.Count(e => e.Kind == EvaluationKindView.Correction);
            Assert.Equal(core.Evaluations.Count(e => e.Kind == EvaluationKindView.Correction), corrections);
            Assert.True(projection != ProjectionKind.FoCa || heun == corrections > 0, $"{corrections} corrections with heun {heun}");
            Assert.True(result.Latents.isfinite().all().item<bool>());

            using var nonKeyframes = LatentFrames(NonKeyframes);
            using var keyframes = LatentFrames(Keyframes);
            var worst = 0.0;
            foreach (var (evaluation, projected) in projections)
            {
                using var scope = NewDisposeScope();
                var start = plan.Evaluations.Take(evaluation.Index).Last(e => e.Kind == EvaluationKindView.Full);
                var stop = evaluation.Transitions[NonKeyframes[0]].GroupEnd;
                var j = evaluation.Step;
                var alpha = projection switch
                {
                    ProjectionKind.LinearTimestep => (Timestep(start.Step) - Timestep(j)) / (Timestep(start.Step) - Timestep(stop)),
                    ProjectionKind.Frozen => 0,
                    _ => (Tau(_schedule.Alpha(start.Step)) - Tau(Landed(j))) / (Tau(_schedule.Alpha(start.Step)) - Tau(Landed(stop))),
                };
                var startWeight = Scale(Landed(j)) / Scale(_schedule.Alpha(start.Step)) * (1 - alpha);
                var stopWeight = Scale(Landed(j)) / Scale(Landed(stop)) * alpha;
                var expected = Combine((before[start.Index], startWeight), (before[start.Index + 1], stopWeight)).index_select(2, nonKeyframes);
                var error = CogVideoXTiny.RelativeError(projected.index_select(2, nonKeyframes), expected);
                worst = Math.Max(worst, error);
                Assert.True(error < 1e-6, $"{projection} group [{start.Step}, {stop}) step {j}: relative error {error:E3}");
                Assert.True(
                    projected.index_select(2, keyframes).equal(before[evaluation.Index].index_select(2, keyframes)).all().item<bool>(),
                    $"keyframes must enter step {j} with their own state");
            }

            output.WriteLine($"{projection} (heun {heun}, {sampler}): {projections.Count} inner steps, worst relative L2 error {worst:E3} against the flow-equivalent blend");
            if (projection == ProjectionKind.FoCa)
            {
                CheckForecastAndHeun(plan, before, nonKeyframes, heun);
            }
        }
        finally
        {
            foreach (var state in before)
            {
                state.Dispose();
            }

            foreach (var (_, projected) in projections)
            {
                projected.Dispose();
            }
        }
    }

    [Fact]
    public void FoCaMovesTheResultAndTheOtherRulesOnlyTheProjectedContext()
    {
        using var noise = GroupedNoise();
        using var dense = Run(Request(Schedules.Dense(steps: Steps, shift: 1, solver: SolverKind.Ddim), noise));
        foreach (var context in new[] { ContextKind.LayerKv, ContextKind.ProjectedLatents })
        {
            using var linear = Run(Request(Grouped(ProjectionKind.LinearSigma, heun: false, context), noise));
            var fromDense = CogVideoXTiny.RelativeError(linear.Latents, dense.Latents);
            output.WriteLine($"cogvideox-tiny, {context}: LinearSigma is {fromDense:E3} (relative L2) from the dense DDIM run");
            // FoCa's jump changes the result whatever the context; once (with recorded K/V) is enough.
            var rules = context == ContextKind.LayerKv
                ? new[] { (ProjectionKind.FoCa, false), (ProjectionKind.FoCa, true), (ProjectionKind.LinearTimestep, false), (ProjectionKind.Frozen, false) }
                : [(ProjectionKind.LinearTimestep, false), (ProjectionKind.Frozen, false)];
            foreach (var (projection, heun) in rules)
            {
                using var other = Run(Request(Grouped(projection, heun, context), noise));
                var difference = CogVideoXTiny.RelativeError(other.Latents, linear.Latents);
                output.WriteLine(
                    $"cogvideox-tiny grouped DDIM run, {context}, {projection} (heun {heun}): relative L2 difference {difference:E3} against LinearSigma, {CogVideoXTiny.RelativeError(other.Latents, dense.Latents):E3} against dense");
                if (projection != ProjectionKind.FoCa && context == ContextKind.LayerKv)
                {
                    // The recorded K/V are the group start's: the inner inputs of non-keyframes reach no model call.
                    Assert.True(other.Latents.equal(linear.Latents).all().item<bool>(), $"{projection} with recorded K/V must equal LinearSigma");
                }
                else
                {
                    Assert.InRange(difference, 1e-7, 0.5);
                }
            }
        }
    }

    [Fact]
    public void LinearSigmaAndFoCaInnerStepsAreTheDdimTransitionBitForBit()
    {
        // The path LinearSigma always took: x_j = State·x_start + Denoised·x0 of the core's FromPrediction, written out.
        foreach (var projection in new[] { ProjectionKind.LinearSigma, ProjectionKind.FoCa })
        {
            var plan = Grouped(projection, heun: false).Prepare(Frames).Complete(Keyframes);
            using var stepping = new VpPlanStepping(VpSampler.Ddim.CreateSolver(_schedule), plan, new PlanLayout(2), CPU, projection);
            using var generator = new Generator(7);
            using var latents = randn([1, 4, Frames, 16, 12], generator: generator);
            using var groupStart = randn([1, 4, Frames, 16, 12], generator: generator);
            using var x0 = randn([1, 4, Frames, 16, 12], generator: generator);
            var checkedSteps = 0;
            foreach (var evaluation in plan.Evaluations.Where(e => e.Kind == EvaluationKindView.Active))
            {
                using var scope = NewDisposeScope();
                var start = plan.Evaluations.Take(evaluation.Index).Last(e => e.Kind == EvaluationKindView.Full).Step;
                var update = plan.FromPrediction(start, evaluation.Step);
                using var state = update.State.ToScalar();
                using var denoised = update.Denoised.ToScalar();
                var along = groupStart.mul(state).add(x0, denoised);
                var mask = tensor(evaluation.Transitions.Select(t => t.Kind == TransitionKind.Projected).ToArray(), ScalarType.Bool).view(1, 1, Frames, 1, 1);
                var expected = where(mask, along, latents);
                var actual = stepping.Project(latents, groupStart, x0, start, evaluation.Step, evaluation.Transitions);
                Assert.True(actual.equal(expected).all().item<bool>(), $"{projection} step {evaluation.Step} must be the DDIM transition bit for bit");
                checkedSteps++;
            }

            Assert.True(checkedSteps >= 2, $"{projection}: only {checkedSteps} inner steps");
        }
    }

    public void Dispose()
    {
        CogVideoXTiny.DisposeAll(_loop);
        _model.Dispose();
    }

    /// <summary>
    /// FoCa's jump: x_stop = s_stop·(x_i/s_i + (τ_stop − τ_i)·v̂), v̂ = v_i + (τ_stop − τ_i)/2 · (v_i − v_p)/(τ_i − τ_p);
    /// Heun: x_stop = s_stop·(x_i/s_i + (τ_stop − τ_i)·(v_i + v_end)/2), v_end made at the jumped state.
    /// </summary>
    private void CheckForecastAndHeun(PlanView plan, List<Tensor> before, Tensor nonKeyframes, bool heun)
    {
        var forecasts = 0;
        var corrections = 0;
        var worstJump = 0.0;
        var worstHeun = 0.0;
        foreach (var group in plan.Evaluations.Where(e => e.Transitions.Any(t => t.Kind == TransitionKind.Jump)))
        {
            using var scope = NewDisposeScope();
            var jump = group.Transitions.First(t => t.Kind == TransitionKind.Jump);
            if (jump.ForecastFrom < 0)
            {
                continue;
            }

            var i = group.Step;
            var stop = jump.Target;
            var previous = plan.Evaluations[jump.ForecastFrom];
            var xStart = before[group.Index];
            var vStart = FlowVelocity(xStart, i);
            var vPrevious = FlowVelocity(before[previous.Index], previous.Step);
            var tauStart = Tau(_schedule.Alpha(i));
            var tauStop = Tau(Landed(stop));
            var slope = (tauStop - tauStart) / 2 / (tauStart - Tau(_schedule.Alpha(previous.Step)));
            var forecast = Combine((vStart, 1 + slope), (vPrevious, -slope));
            var sStop = Scale(Landed(stop));
            var jumped = Combine((xStart, sStop / Scale(_schedule.Alpha(i))), (forecast, sStop * (tauStop - tauStart)));
            var jumpError = CogVideoXTiny.RelativeError(before[group.Index + 1].index_select(2, nonKeyframes), jumped.index_select(2, nonKeyframes));
            worstJump = Math.Max(worstJump, jumpError);
            Assert.True(jumpError < 1e-5, $"the forecast jump [{i}, {stop}): relative error {jumpError:E3}");
            forecasts++;

            // The last group ends at σ = 0, where FoCa takes no correction.
            if (heun && stop < Steps)
            {
                corrections++;
                var correction = plan.Evaluations.First(e => e.Index > group.Index && e.Kind == EvaluationKindView.Correction);
                Assert.Equal(stop, correction.SigmaIndex[NonKeyframes[0]]);
                var vEnd = FlowVelocity(before[correction.Index], stop);
                var corrected = Combine((xStart, sStop / Scale(_schedule.Alpha(i))), (vStart, sStop * (tauStop - tauStart) / 2), (vEnd, sStop * (tauStop - tauStart) / 2));
                var heunError = CogVideoXTiny.RelativeError(before[correction.Index + 1].index_select(2, nonKeyframes), corrected.index_select(2, nonKeyframes));
                worstHeun = Math.Max(worstHeun, heunError);
                Assert.True(heunError < 1e-5, $"the Heun correction [{i}, {stop}): relative error {heunError:E3}");
            }
        }

        output.WriteLine($"FoCa: {forecasts} forecast jumps, worst relative L2 error {worstJump:E3}; {corrections} Heun corrections, worst {worstHeun:E3} (model recomputed in the test)");
        Assert.True(forecasts >= 1, "no group jumped with FoCa's forecast");
        Assert.True(!heun || corrections >= 1, "no Heun correction was checked");
    }

    /// <summary>v = ε̂ − x̂0 from the model's v-prediction at the step's own ᾱ (as the solver decomposes there).</summary>
    private Tensor FlowVelocity(Tensor latents, int step)
    {
        using var noGrad = no_grad();
        using var timestep = tensor(new float[] { _schedule.Timesteps[step] });
        var v = _model.Forward(latents.transpose(1, 2), timestep, _loop["encoder_hidden_states"]).transpose(1, 2);
        var a = _schedule.Alpha(step);
        var x0 = Combine((latents, Math.Sqrt(a)), (v, -Math.Sqrt(1 - a)));
        var eps = Combine((latents, Math.Sqrt(1 - a)), (v, Math.Sqrt(a)));
        return eps.sub(x0);
    }

    /// <summary>ᾱ of the level a DDIM step from an earlier step lands on at step j (diffusers' previous timestep).</summary>
    private double Landed(int j) => _schedule.PreviousAlpha(j - 1);

    private double Timestep(int step) => step < Steps ? _schedule.Timesteps[step] : 0;

    private static double Scale(double alpha) => Math.Sqrt(alpha) + Math.Sqrt(1 - alpha);

    private static double Tau(double alpha) => Math.Sqrt(1 - alpha) / Scale(alpha);

    /// <summary>Σ w·t with every Scalar held until its call has returned.</summary>
    private static Tensor Combine(params (Tensor Tensor, double Weight)[] terms)
    {
        var sum = zeros_like(terms[0].Tensor);
        foreach (var (t, w) in terms)
        {
            using var weight = w.ToScalar();
            sum = sum.add(t, weight);
        }

        return sum;
    }

    private static ScheduleSpec Grouped(ProjectionKind projection, bool heun, ContextKind context = ContextKind.LayerKv) => Schedules.RhymeFlow(
        steps: Steps, warmupSteps: 2, keyframes: 2, minSkip: 3, maxSkip: 3, progressive: false, projection: projection, heunCorrection: heun, context: context, solver: SolverKind.Ddim, shift: 1);

    /// <summary>The latent frames (two per plan frame) of the given plan frames.</summary>
    private static Tensor LatentFrames(int[] planFrames) => tensor(planFrames.SelectMany(f => new long[] { 2 * f, (2 * f) + 1 }).ToArray());

    /// <summary>The executor's plan layout [B, C, F / 2, 2 · H, W] as [B, C, F, H, W].</summary>
    private static Tensor ToLatentLayout(Tensor plan) =>
        plan.reshape(plan.shape[0], plan.shape[1], plan.shape[2] * 2, plan.shape[3] / 2, plan.shape[4]).cpu().clone().DetachFromDisposeScope();

    /// <summary>Eight latent frames (four plan frames) of seeded noise at the fixture's 8 × 12.</summary>
    private static Tensor GroupedNoise()
    {
        using var generator = new Generator(11);
        return randn([1, 4, 2 * Frames, 8, 12], generator: generator);
    }

    private DenoiseRequest Request(ScheduleSpec schedule, Tensor noise) => new(_loop["encoder_hidden_states"], noise, schedule, Guidance: 1) { Keyframes = Keyframes };

    private VideoLatents Run(DenoiseRequest request) => new VideoDenoiser(_model).Run(request, _ => { }, CancellationToken.None);
}
