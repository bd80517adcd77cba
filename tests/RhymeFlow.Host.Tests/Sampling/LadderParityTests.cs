using System.Text.RegularExpressions;
using RhymeFlow.Core;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Sampling;

/// <summary>
/// The core's sigma ladders, as the host gets them through the C# facade, against diffusers'
/// FlowMatchEulerDiscreteScheduler and UniPCMultistepScheduler tables in schedulers-public.safetensors.
/// </summary>
public sealed partial class LadderParityTests
{
    /// <summary>Absolute for values up to 1 (sigmas), relative above (timesteps up to 1000).</summary>
    private const double Tolerance = 1e-6;

    private static readonly string Schedulers = Fixtures.WanDiffusers("schedulers-public.safetensors");

    public static TheoryData<SolverKind, double, int> Ladders => new()
    {
        { SolverKind.Euler, 3.0, 10 },
        { SolverKind.Euler, 3.0, 50 },
        { SolverKind.Euler, 5.0, 10 },
        { SolverKind.Euler, 5.0, 50 },
        { SolverKind.UniPC, 3.0, 10 },
        { SolverKind.UniPC, 3.0, 50 },
        { SolverKind.UniPC, 5.0, 10 },
        { SolverKind.UniPC, 5.0, 50 },
    };

    [Theory]
    [MemberData(nameof(Ladders))]
    public void SigmasMatchDiffusers(SolverKind solver, double shift, int steps)
    {
        var plan = Schedules.Dense(steps, shift, solver).Compile(frames: 1);

        AssertClose(Table(solver, shift, steps, "sigmas"), plan.Sigmas);
        Assert.Equal(steps + 1, plan.Sigmas.Count);
    }

    [Theory]
    [MemberData(nameof(Ladders))]
    public void TimestepsMatchDiffusers(SolverKind solver, double shift, int steps)
    {
        var plan = Schedules.Dense(steps, shift, solver).Compile(frames: 1);

        AssertClose(Table(solver, shift, steps, "timesteps"), plan.Timesteps);
        Assert.Equal(steps, plan.Timesteps.Count);
    }

    [Fact]
    public void EveryLadderTableOfTheFixtureIsCompared()
    {
        using var reader = CheckpointReader.Open(Schedulers);

        var tables = reader.Keys.Where(key => LadderTable().IsMatch(key)).Order(StringComparer.Ordinal);
        var compared = Ladders
            .Select(row => ((SolverKind)row[0], (double)row[1], (int)row[2]))
            .SelectMany(l => new[] { Key(l.Item1, l.Item2, l.Item3, "sigmas"), Key(l.Item1, l.Item2, l.Item3, "timesteps") })
            .Order(StringComparer.Ordinal);

        Assert.Equal(compared, tables);
    }

    private static string Key(SolverKind solver, double shift, int steps, string table) =>
        $"{solver.ToString().ToLowerInvariant()}_shift{shift:0}_steps{steps}_{table}";

    private static double[] Table(SolverKind solver, double shift, int steps, string table)
    {
        using var reader = CheckpointReader.Open(Schedulers);
        using var stored = reader.Read(Key(solver, shift, steps, table));
        using var values = stored.to_type(ScalarType.Float64);
        return values.data<double>().ToArray();
    }

    private static void AssertClose(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        var misses = expected
            .Select((e, i) => (Index: i, Expected: e, Actual: actual[i]))
            .Where(x => !(Math.Abs(x.Actual - x.Expected) <= Tolerance * Math.Max(1.0, Math.Abs(x.Expected))))
            .Select(x => $"[{x.Index}] expected {x.Expected:R}, got {x.Actual:R} (|diff| {Math.Abs(x.Actual - x.Expected):E2})")
            .ToList();

        Assert.True(misses.Count == 0, $"{misses.Count} of {expected.Length} values off by more than {Tolerance} (absolute, relative above 1):\n" + string.Join("\n", misses));
    }

    [GeneratedRegex(@"^(euler|unipc)_shift\d+_steps\d+_(sigmas|timesteps)$")]
    private static partial Regex LadderTable();
}
