using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Train;

/// <summary>Times caption-to-clip generation at a preset size with random weights, one clip or a batch of clips per run.</summary>
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
        var batches = BatchSizes(reader.String("--batch", "1"));
        reader.Finish();

        using var model = MiniModel.Create(MiniModelConfig.Preset(size), device, TorchSharp.torch.ScalarType.Float32, seed: 0);
        var generator = new MiniVideoGenerator(model);
        const string caption = "a red circle and a blue square moving left quickly";
        generator.GenerateAsync(caption, 1, Schedules.Dense(2, 3.0, solver), guidance).GetAwaiter().GetResult();
        Console.WriteLine($"bench-generate: {size} ({model.ParameterCount:N0} parameters, random weights), dense {steps} steps {solver}, CFG {guidance} (batched: 2 rows per clip a step), float32, {device}, threads {TorchSharp.torch.get_num_threads()}");
        var rows = new List<string>();
        var seed = 100L;
        // Rounds interleave the batch sizes, so that a slow spell on a shared machine does not fall on one size alone.
        for (var run = 0; run < runs; run++)
        {
            foreach (var batch in batches)
            {
                var seeds = Enumerable.Range(0, batch).Select(_ => seed++).ToArray();

                // This process's CPU time beside the wall time: on a shared machine the wall time also counts waiting for a core.
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var videos = generator.GenerateManyAsync(caption, seeds, Schedules.Dense(steps, 3.0, solver), guidance, maxBatch: batch).GetAwaiter().GetResult();
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

                // GenerateManyAsync gives each clip an equal share of its batch's time, so the sums are the run's wall time.
                var total = videos.Sum(v => v.TotalElapsed.TotalSeconds);
                var denoise = videos.Sum(v => v.DenoiseElapsed.TotalSeconds);
                var evaluations = videos[0].Plan.Evaluations.Count;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"batch {batch}, run {run + 1}: total {total:F2} s (denoise {denoise:F2} s, {denoise * 1000 / evaluations:F0} ms per evaluation, {evaluations} evaluations; CPU {cpu:F1} s), {batch / total:F3} clips/s"));
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {batch} | {run + 1} | {total:F2} | {denoise:F2} | {denoise * 1000 / evaluations:F0} | {cpu:F1} | {batch / total:F3} | {total / batch:F2} | {cpu / batch:F1} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| batch | run | total s | denoise s | ms per evaluation | CPU s | clips/s | s per clip | CPU s per clip |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static int[] BatchSizes(string text)
    {
        var sizes = text.Split(',', StringSplitOptions.TrimEntries);
        return [.. sizes.Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b >= 1
            ? b
            : throw new UsageException($"--batch must be a comma-separated list of integers ≥ 1, got '{text}'"))];
    }
}
