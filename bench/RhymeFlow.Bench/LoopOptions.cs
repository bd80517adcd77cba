using RhymeFlow.Bench.Cli;
using RhymeFlow.Host.Benchmarking;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>The options of the <c>loop</c> subcommand, validated: the benchmark's settings and what to do with them.</summary>
internal sealed record LoopOptions(LoopBenchmarkSettings Settings, bool PlanOnly, string? Markdown)
{
    public static LoopOptions Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--no-tf32", "--plan-only" });
        var model = ModelSpec.Parse(reader.String("--model", "1.3b"));
        var frames = reader.Int("--frames", 21, min: 1);
        var height = reader.Int("--height", 60, min: 2);
        var width = reader.Int("--width", 104, min: 2);
        var textLength = reader.Int("--text-len", 512, min: 1);
        var steps = reader.Int("--steps", 50, min: 2);
        var guidance = reader.Double("--guidance", 5);
        var shift = reader.Double("--shift", 3);
        var dtype = reader.Choice("--dtype", ScalarType.BFloat16, BenchDevice.DTypes);
        var device = reader.Choice("--device", BenchDevice.DefaultKind, BenchDevice.Kinds);
        var repeats = reader.Int("--repeats", 1, min: 1);
        var warmupSteps = reader.Int("--warmup-steps", LoopBenchmarkSettings.DefaultWarmupSteps(steps), min: 1);
        var keyframes = reader.Int("--keyframes", 2, min: 1);
        var minSkip = reader.Int("--min-skip", 3, min: 1);
        var maxSkip = reader.Int("--max-skip", 5, min: 1);
        var rows = reader.OptionalString("--rows") is { } text ? LoopBenchmarkSettings.ParseRows(text, "--rows") : LoopBenchmarkSettings.DefaultRows;
        var tf32 = !reader.Flag("--no-tf32");
        var planOnly = reader.Flag("--plan-only");
        var seed = reader.Int("--seed", 0, min: 0);
        var markdown = reader.OptionalString("--markdown");
        reader.Finish();
        var settings = new LoopBenchmarkSettings(
            model, frames, height, width, textLength, steps, guidance, shift, dtype, device, repeats,
            warmupSteps, keyframes, minSkip, maxSkip, rows, tf32, seed).Validate();
        return new LoopOptions(settings, planOnly, markdown);
    }
}
