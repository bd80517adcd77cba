using RhymeFlow.Core;
using Xunit;

namespace RhymeFlow.Core.Facade.Tests;

public sealed class SchedulesTests
{
    [Fact]
    public void DenseEvaluatesEveryFrameAtEveryStep()
    {
        PlanView plan = Schedules.Dense(steps: 10).Compile(frames: 4);

        Assert.Equal(10, plan.Evaluations.Count);
        Assert.All(plan.Evaluations, e => Assert.Equal(EvaluationKindView.Full, e.Kind));
        Assert.Equal(11, plan.Sigmas.Count);
        Assert.Equal(0.0, plan.Sigmas[10]);
    }

    [Fact]
    public void DdimPlansRunOnTheCogVideoXVpLadder()
    {
        ScheduleSpec spec = Schedules.RhymeFlow(steps: 50, shift: 1.0, solver: SolverKind.Ddim);
        PlanView plan = spec.Compile(frames: 11, keyframes: [0, 10]);

        Assert.Equal(SolverKind.Ddim, spec.Solver);
        Assert.Equal(999.0, plan.Timesteps[0]);
        Assert.Equal(1.0, plan.Sigmas[0]);
        Assert.Equal(0.0, plan.Sigmas[50]);

        // The DDIM blend is the group start at j = start and the group end at j = stop; in between
        // the weights are not convex on a VP ladder.
        Assert.Equal(1.0, plan.Blend(start: 10, stop: 13, j: 10).StartWeight);
        Assert.Equal(1.0, plan.Blend(start: 10, stop: 13, j: 13).EndWeight);
        Blend inner = plan.Blend(start: 10, stop: 13, j: 11);
        Assert.InRange(inner.StartWeight, 0.0, 1.0);
        Assert.InRange(inner.EndWeight, 0.0, 1.0);
        Assert.NotEqual(1.0, inner.StartWeight + inner.EndWeight, 6);
        Assert.Throws<ArgumentException>(() => plan.Blend(start: 10, stop: 13, j: 14));

        // One step from a start at ᾱ = 0 (x = ε) keeps only the noise share of the next level.
        PredictionStep first = plan.FromPrediction(start: 0, j: 1);
        Assert.InRange(first.State, 0.0, 1.0);
        Assert.InRange(first.Denoised, 0.0, 1.0);
        Assert.Throws<ArgumentException>(() => plan.FromPrediction(start: 10, j: 10));
        Assert.Equal(ProjectionKind.LinearSigma, spec.Projection);
        Assert.Equal(ProjectionKind.FoCa, Schedules.RhymeFlow(projection: ProjectionKind.FoCa).Projection);
    }

    [Fact]
    public void EveryProjectionRuleHasItsBlendAndFoCaItsCoefficientsOnTheVpLadder()
    {
        PlanView frozen = Schedules.RhymeFlow(steps: 50, shift: 1.0, solver: SolverKind.Ddim, projection: ProjectionKind.Frozen).Compile(frames: 11, keyframes: [0, 10]);
        PlanView linear = Schedules.RhymeFlow(steps: 50, shift: 1.0, solver: SolverKind.Ddim).Compile(frames: 11, keyframes: [0, 10]);

        // Frozen keeps x/s: no share of the end on inner steps, the start rescaled to the level of j.
        Blend held = frozen.Projected(start: 10, stop: 13, j: 11);
        Assert.Equal(0.0, held.EndWeight);
        Assert.NotEqual(1.0, held.StartWeight, 6);
        Assert.Equal(1.0, frozen.Projected(start: 10, stop: 13, j: 13).EndWeight);
        Assert.Equal(linear.Blend(start: 10, stop: 13, j: 11), linear.Projected(start: 10, stop: 13, j: 11));
        Assert.Throws<ArgumentException>(() => frozen.Projected(start: 10, stop: 13, j: 14));

        // v = ε̂ − x̂0 from a v-prediction: at ᾱ = 0 (step 0) the state is ε and the prediction is −x0.
        Assert.Equal(new VelocityWeights(1.0, 1.0), linear.Velocity(step: 0));
        Assert.True(linear.ForecastSlope(previous: 9, step: 10, target: 13) > 0);
        HeunStep heun = linear.Heun(start: 10, stop: 13);
        Assert.True(heun.StartScale > 0 && heun.HalfStep < 0);
        Assert.Throws<ArgumentException>(() => linear.ForecastSlope(previous: 10, step: 10, target: 13));
        Assert.Throws<ArgumentException>(() => linear.Heun(start: 10, stop: 50));
    }

    [Fact]
    public void RhymeFlowDefaultsGive21FullAnd29Active()
    {
        PlanView plan = Schedules.RhymeFlow().Compile(frames: 21, keyframes: [0, 20]);

        Assert.Equal(21, plan.FullCount);
        Assert.Equal(29, plan.ActiveCount);
        EvaluationView inner = plan.Evaluations[11];
        Assert.Equal(EvaluationKindView.Active, inner.Kind);
        Assert.Equal([0, 20], inner.ComputedFrames);
        Assert.Equal(TransitionKind.Projected, inner.Transitions[5].Kind);
        Assert.InRange(inner.Transitions[5].Alpha, 0.0, 1.0);
        Assert.Equal(21, plan.Grid.Count);
    }

    [Fact]
    public void StagedPlanSelectsKeyframesAfterWarmup()
    {
        PreparedPlan prepared = Schedules.RhymeFlow(keyframes: 3).Prepare(frames: 5);
        double[][] cosine = Enumerable.Range(0, 5)
            .Select(i => Enumerable.Range(0, 5).Select(j => i == j ? 1.0 : 0.99).ToArray())
            .ToArray();

        int[] keyframes = prepared.SelectKeyframes(cosine);
        PlanView plan = prepared.Complete(keyframes);

        Assert.Equal(9, prepared.SelectAfterEvaluation);
        Assert.Equal(10, prepared.Warmup.Count);
        Assert.Equal([0, 2, 4], keyframes);
        Assert.Equal(keyframes, plan.Keyframes);
    }

    [Fact]
    public void JsonRoundTripsFromCSharp()
    {
        ScheduleSpec spec = Schedules.RhymeFlow(warmupSteps: 8, keyframes: 3, projection: ProjectionKind.FoCa, heunCorrection: true);
        ScheduleSpec again = Schedules.FromJson(spec.ToJson());
        Assert.Equal(spec.Spec, again.Spec);

        PlanView plan = spec.Compile(frames: 21);
        Assert.Equal(plan.Plan, PlanView.FromJson(plan.ToJson()).Plan);
    }

    [Fact]
    public void ValidationErrorsNameTheParameterAndTheRange()
    {
        ArgumentException warmup = Assert.Throws<ArgumentException>(() => Schedules.RhymeFlow(warmupSteps: 60));
        Assert.Equal("warmupSteps", warmup.ParamName);
        Assert.Contains("warmupSteps = 60 is out of range: expected 0..50 (steps)", warmup.Message);

        ArgumentException skip = Assert.Throws<ArgumentException>(() => Schedules.RhymeFlow(minSkip: 6, maxSkip: 5));
        Assert.Equal("maxSkip", skip.ParamName);

        ArgumentException budget = Assert.Throws<ArgumentException>(() => Schedules.RhymeFlow(keyframes: 30).Compile(frames: 21));
        Assert.Equal("keyframes", budget.ParamName);
        Assert.Contains("1..21 (frames)", budget.Message);
    }

    [Fact]
    public void UndefinedEnumValuesAreRejectedNamingTheParameter()
    {
        var solver = Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Dense(solver: (SolverKind)7));
        Assert.Equal("solver", solver.ParamName);
        Assert.Contains("solver = 7 is not a defined SolverKind value", solver.Message);

        Assert.Equal("strategy", Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.RhymeFlow(strategy: (KeyframeStrategyKind)42)).ParamName);
        Assert.Equal("projection", Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.RhymeFlow(projection: (ProjectionKind)9)).ParamName);
        Assert.Equal("context", Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.RhymeFlow(context: (ContextKind)9)).ParamName);
        Assert.Equal("coupling", Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.RhymeFlow(coupling: (CouplingKind)9)).ParamName);
    }

    [Fact]
    public void CostPredictsASpeedupOverDense()
    {
        PlanCostView cost = Schedules.RhymeFlow().Compile(frames: 21).Cost(Geometries.Wan13B480p);
        Assert.True(cost.Speedup > 1.5);
        Assert.Equal(50, cost.EvaluationFlops.Count);
    }
}
