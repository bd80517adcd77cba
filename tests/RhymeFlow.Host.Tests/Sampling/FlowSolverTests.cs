using RhymeFlow.Host.Sampling;

namespace RhymeFlow.Host.Tests.Sampling;

public sealed class FlowSolverTests
{
    private static readonly double[] Ladder = ShiftedLadder(12, shift: 3);

    public static TheoryData<string> Solvers => new() { "euler", "unipc" };

    [Theory]
    [MemberData(nameof(Solvers))]
    public void SolvesTheSingleDataPointFlowExactly(string kind)
    {
        // With one data point x0 the exact flow is v(x, sigma) = (x - x0) / sigma, whose
        // trajectories are straight lines: every consistent solver must land on x0.
        using var solver = Create(kind, Ladder);
        using var x0 = randn(2, 3, 4);
        var x = randn(2, 3, 4);
        for (var step = 0; step < Ladder.Length - 1; step++)
        {
            using var velocity = (x - x0) / Ladder[step];
            var next = solver.Step(step, x, velocity);
            x.Dispose();
            x = next;
        }

        Assert.True((x - x0).abs().max().item<float>() < 1e-4f);
        x.Dispose();
    }

    [Fact]
    public void UniPcIsSecondOrderOnACurvedFlow()
    {
        // dx/dsigma = cos(sigma): halving the step size cuts UniPC's error about fourfold, Euler's twofold.
        var eulerRatio = ErrorAt(12, "euler") / ErrorAt(24, "euler");
        var uniPcRatio = ErrorAt(12, "unipc") / ErrorAt(24, "unipc");
        Assert.InRange(eulerRatio, 1.6, 2.5);
        Assert.True(uniPcRatio > 3.0, $"UniPC error ratio {uniPcRatio:F2} shows less than second order");
    }

    [Fact]
    public void UniPcRejectsSkippedSteps()
    {
        using var solver = new UniPcSolver(Ladder);
        using var x = zeros(2);
        using var first = solver.Step(0, x, x);
        var error = Assert.Throws<InvalidOperationException>(() => solver.Step(2, x, x));
        Assert.Contains("step 2 after step 0", error.Message);
    }

    [Fact]
    public void LadderMustDecrease()
    {
        var error = Assert.Throws<ArgumentException>(() => new FlowEulerSolver(new[] { 1.0, 0.5, 0.7, 0 }));
        Assert.Contains("sigmas[2]", error.Message);
    }

    [Fact]
    public void StepsLeakNoTensors()
    {
        using var solver = new UniPcSolver(Ladder);
        using var velocity = ones(4);
        var x = zeros(4);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var step = 0; step < Ladder.Length - 1; step++)
        {
            var next = solver.Step(step, x, velocity);
            x.Dispose();
            x = next;
        }

        solver.Reset();
        x.Dispose();
        Assert.Equal(before - 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static double ErrorAt(int steps, string kind)
    {
        var ladder = Enumerable.Range(0, steps + 1).Select(i => 1.0 - (double)i / steps).ToArray();
        ladder[0] = 0.999;
        using var solver = Create(kind, ladder);
        var x = tensor(new[] { Math.Sin(ladder[0]) }, dtype: ScalarType.Float64);
        for (var step = 0; step < steps; step++)
        {
            using var velocity = tensor(new[] { Math.Cos(ladder[step]) }, dtype: ScalarType.Float64);
            var next = solver.Step(step, x, velocity);
            x.Dispose();
            x = next;
        }

        var error = Math.Abs(x.item<double>() - Math.Sin(0));
        x.Dispose();
        return error;
    }

    private static IFlowSolver Create(string kind, double[] sigmas) =>
        kind == "euler" ? new FlowEulerSolver(sigmas) : new UniPcSolver(sigmas);

    private static double[] ShiftedLadder(int steps, double shift) =>
        Enumerable.Range(0, steps + 1)
            .Select(i => 1.0 - (double)i / steps)
            .Select(s => s == 1.0 ? 0.999 : shift * s / (1 + (shift - 1) * s))
            .ToArray();
}
