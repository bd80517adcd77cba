using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Evaluation;

/// <summary>The acceptance test: the evaluator must read the generator's own ground truth correctly.</summary>
public sealed class ClipEvaluatorAccuracyTests(ITestOutputHelper output)
{
    private const int Clips = 500;
    private const double Required = 0.98;

    [Fact]
    public void ScoresAtLeast98PercentPerAttributeOn500SeededGroundTruthClips()
    {
        var sampler = new TrainingSampler(seed: 2024);
        var judgements = Enumerable.Range(0, Clips)
            .Select(i => sampler.Sample(i))
            .Select(spec => ClipEvaluator.Evaluate(ClipGenerator.Render(spec), spec))
            .ToArray();

        var accuracy = new (string Name, double Value)[]
        {
            ("count", judgements.Average(j => j.CountCorrect ? 1.0 : 0.0)),
            ("colour", judgements.Average(j => j.ColourCorrect ? 1.0 : 0.0)),
            ("shape", judgements.Average(j => j.ShapeCorrect ? 1.0 : 0.0)),
            ("motion", judgements.Average(j => j.MotionCorrect ? 1.0 : 0.0)),
            ("speed", judgements.Average(j => j.SpeedCorrect ? 1.0 : 0.0)),
            ("all", judgements.Average(j => j.AllCorrect ? 1.0 : 0.0)),
            ("adherence", judgements.Average(j => j.Adherence)),
        };
        foreach (var (name, value) in accuracy)
        {
            output.WriteLine($"{name,-10} {value:P1}");
        }

        output.WriteLine($"max flicker {judgements.Max(j => j.BackgroundFlicker):G3}");
        foreach (var miss in judgements.Where(j => !j.AllCorrect).Take(20))
        {
            output.WriteLine($"miss: {miss.Expected} -> {string.Join("; ", miss.Analysis.Objects)}");
        }

        Assert.All(accuracy.Take(5), a => Assert.True(a.Value >= Required, $"{a.Name} accuracy {a.Value:P1} is below {Required:P0}."));

        // The backgrounds are still; only the faintest anti-aliased fringe (alpha < 0.1, two pixels out) leaks in.
        Assert.All(judgements, j => Assert.True(j.BackgroundFlicker < 1e-4, $"Flicker {j.BackgroundFlicker} on still ground truth {j.Expected}."));
    }

    [Fact]
    public void ReadsEveryHeldOutClipCorrectly()
    {
        var misses = HeldOutCaptions.Specs
            .Select(spec => ClipEvaluator.Evaluate(ClipGenerator.Render(spec), spec))
            .Where(j => !j.AllCorrect)
            .Select(j => $"{j.Expected} -> {string.Join("; ", j.Analysis.Objects)}")
            .ToArray();
        foreach (var miss in misses)
        {
            output.WriteLine(miss);
        }

        Assert.True(misses.Length <= 1, $"{misses.Length} of {HeldOutCaptions.Count} held-out clips misread.");
    }
}
