using RhymeFlow.Bench.Cli;
using RhymeFlow.Bench.Shared;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>The options of the <c>loop</c> subcommand, validated.</summary>
internal sealed record LoopOptions(
    ModelSpec Model,
    int Frames,
    int Height,
    int Width,
    int TextLength,
    int Steps,
    double Guidance,
    double Shift,
    ScalarType DType,
    string Device,
    int Repeats,
    int WarmupSteps,
    int Keyframes,
    int MinSkip,
    int MaxSkip,
    IReadOnlyList<string> Rows,
    bool Tf32,
    bool PlanOnly,
    long Seed,
    string? Markdown)
{
    /// <summary>Every row the subcommand knows, in table order.</summary>
    public static readonly string[] AllRows = ["dense", "rhymeflow", "authors", "hidden-host", "fewer"];

    public static readonly string[] DefaultRows = ["dense", "rhymeflow", "authors", "fewer"];

    public int TokensPerFrame => Height / Model.Config.PatchSize.H * (Width / Model.Config.PatchSize.W);

    /// <summary>Latent frames after temporal patching (the frames the schedule sees).</summary>
    public int LatentFrames => Frames / Model.Config.PatchSize.T;

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

        // The issue's default is Tw = 10 of 50 steps; other step counts keep the same fraction.
        var warmupSteps = reader.Int("--warmup-steps", (int)Math.Round(steps / 5.0, MidpointRounding.AwayFromZero), min: 1);
        var keyframes = reader.Int("--keyframes", 2, min: 1);
        var minSkip = reader.Int("--min-skip", 3, min: 1);
        var maxSkip = reader.Int("--max-skip", 5, min: 1);
        var rows = reader.OptionalString("--rows") is { } text ? ParseRows(text) : DefaultRows;
        var tf32 = !reader.Flag("--no-tf32");
        var planOnly = reader.Flag("--plan-only");
        var seed = reader.Int("--seed", 0, min: 0);
        var markdown = reader.OptionalString("--markdown");
        reader.Finish();
        return new LoopOptions(
            model, frames, height, width, textLength, steps, guidance, shift, dtype, device, repeats,
            warmupSteps, keyframes, minSkip, maxSkip, rows, tf32, planOnly, seed, markdown).Validate();
    }

    private static string[] ParseRows(string text)
    {
        var rows = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = rows.Except(AllRows).ToArray();
        if (rows.Length == 0 || unknown.Length > 0)
        {
            throw new UsageException($"--rows takes a comma-separated subset of {string.Join(",", AllRows)}, got '{text}'");
        }

        // Table order, duplicates dropped.
        return [.. AllRows.Where(rows.Contains)];
    }

    private LoopOptions Validate()
    {
        var patch = Model.Config.PatchSize;
        if (Frames % patch.T != 0 || Height % patch.H != 0 || Width % patch.W != 0)
        {
            throw new UsageException($"--frames/--height/--width must be multiples of the patch ({patch.T}, {patch.H}, {patch.W}), got {Frames}x{Height}x{Width}");
        }

        if (!double.IsFinite(Guidance) || Guidance < 1)
        {
            throw new UsageException($"--guidance must be ≥ 1 (1 = no CFG), got {Guidance}");
        }

        if (WarmupSteps >= Steps)
        {
            throw new UsageException($"--warmup-steps must be below --steps ({Steps}), got {WarmupSteps}");
        }

        if (Keyframes >= LatentFrames)
        {
            throw new UsageException($"--keyframes must be below the {LatentFrames} latent frames, got {Keyframes}");
        }

        if (MaxSkip < MinSkip)
        {
            throw new UsageException($"--max-skip ({MaxSkip}) must be at least --min-skip ({MinSkip})");
        }

        return this;
    }
}
