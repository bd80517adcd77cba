using System.Globalization;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Train;

/// <summary>Times caption-to-clip generation at a preset size with random weights.</summary>
internal static class BenchGenerateCommand
{
    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var size = reader.Choice("--size", "mini", Shared.Sizes);
        var steps = reader.Int("--steps", 30, 1);
        var solver = reader.Choice("--solver", SolverKind.UniPC, Shared.Solvers);
        var guidance = reader.Double("--guidance", MiniVideoGenerator.DefaultGuidance);
        var device = Shared.Device(reader);
        var runs = reader.Int("--runs", 1, 1);
        reader.Finish();

        using var model = MiniModel.Create(MiniModelConfig.Preset(size), device, TorchSharp.torch.ScalarType.Float32, seed: 0);
        var generator = new MiniVideoGenerator(model);
        const string caption = "a red circle and a blue square moving left quickly";
        generator.GenerateAsync(caption, 1, Schedules.Dense(2, 3.0, solver), guidance).GetAwaiter().GetResult();
        Console.WriteLine($"bench-generate: {size} ({model.ParameterCount:N0} parameters, random weights), dense {steps} steps {solver}, CFG {guidance} (batched: 2 rows a step), float32, {device}, threads {TorchSharp.torch.get_num_threads()}");
        for (var run = 0; run < runs; run++)
        {
            var video = generator.GenerateAsync(caption, 100 + run, Schedules.Dense(steps, 3.0, solver), guidance).GetAwaiter().GetResult();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run + 1}: total {video.TotalElapsed.TotalSeconds:F2} s (denoise {video.DenoiseElapsed.TotalSeconds:F2} s, {video.DenoiseElapsed.TotalMilliseconds / video.Plan.Evaluations.Count:F0} ms per evaluation, {video.Plan.Evaluations.Count} evaluations)"));
        }

        return 0;
    }
}
