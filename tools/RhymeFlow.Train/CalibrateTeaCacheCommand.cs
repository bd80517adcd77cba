using System.Globalization;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;

namespace RhymeFlow.Train;

/// <summary>
/// Calibrates TeaCache for a package as the TeaCache authors do for each model: dense probe runs on held-out
/// captions (the model card's 30 UniPC steps, shift 3, CFG 5) record each step's relative change of the modulated
/// input and of the block stack's residual; a degree-4 least-squares polynomial maps one to the other. Writes
/// <c>teacache.json</c> into the package folder atomically.
/// </summary>
internal static class CalibrateTeaCacheCommand
{
    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var modelDirectory = reader.String("--model", MiniModel.DefaultDirectory);
        var device = Shared.Device(reader);
        var steps = reader.Int("--steps", MiniVideoGenerator.DefaultSteps, 3);
        var guidance = reader.Double("--guidance", MiniVideoGenerator.DefaultGuidance);
        var count = reader.Int("--count", 8, 1, HeldOutCaptions.Count);
        var degree = reader.Int("--degree", TeaCacheCalibration.DefaultDegree, 1, 8);
        reader.Finish();

        using var model = MiniModel.Load(modelDirectory, device);
        var generator = new MiniVideoGenerator(model);
        var schedule = steps == MiniVideoGenerator.DefaultSteps ? MiniVideoGenerator.DefaultSchedule : RhymeFlow.Core.Schedules.Dense(steps, 3.0, RhymeFlow.Core.SolverKind.UniPC);
        var specs = HeldOutEvaluation.Subset(count);
        Console.WriteLine($"probing {Path.GetFullPath(modelDirectory)} on {count} held-out captions: dense, {steps} UniPC steps, shift 3, CFG {guidance}, {device}");

        var samples = new List<TeaCacheSample>();
        foreach (var spec in specs)
        {
            var caption = Caption.Render(spec);
            var video = generator.GenerateAsync(caption, spec.Seed, schedule, guidance, stepCache: StepCache.TeaCacheProbe()).GetAwaiter().GetResult();
            var found = TeaCacheCalibration.Samples(video.CacheTrace ?? throw new InvalidOperationException("the probe run returned no trace"));
            samples.AddRange(found);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {caption} (seed {spec.Seed}): {found.Count} samples, {video.DenoiseElapsed.TotalSeconds:F1} s"));
        }

        var fit = TeaCacheCalibration.Fit(samples, degree);
        var command = "dotnet run --project tools/RhymeFlow.Train -c Release -- calibrate-teacache " + string.Join(' ', args);
        var file = new TeaCacheCalibrationFile(
            fit.Coefficients,
            fit.RSquared,
            fit.Samples,
            steps,
            count,
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            command.TrimEnd());
        var path = Path.Combine(modelDirectory, TeaCacheCalibrationFile.FileName);
        file.Write(path);

        var inputs = samples.Select(s => s.InputChange).Order().ToArray();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"fit (highest power first): [{string.Join(", ", fit.Coefficients.Select(c => c.ToString("G9", CultureInfo.InvariantCulture)))}], R² {fit.RSquared:F4}, {fit.Samples} samples, input changes {inputs[0]:G3}..{inputs[^1]:G3}"));
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
        return 0;
    }
}
