using RhymeFlow.Bench.Cli;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Benchmarking;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>The options of the <c>forward</c> subcommand, validated.</summary>
internal sealed record ForwardOptions(
    ModelSpec Model,
    int Frames,
    int Height,
    int Width,
    int TextLength,
    int Batch,
    ScalarType DType,
    string Device,
    int Warmup,
    int Runs,
    double Timestep,
    int? ActiveFrames,
    bool Tf32,
    long Seed,
    string? Markdown,
    IReadOnlyList<ReductionSet>? Reductions,
    WindowStride Stride)
{
    public const int MinRuns = 5;

    /// <summary>Latent tokens of one batch row after patching.</summary>
    public int Tokens => Frames / Model.Config.PatchSize.T * TokensPerFrame;

    public int TokensPerFrame => Height / Model.Config.PatchSize.H * (Width / Model.Config.PatchSize.W);

    public static ForwardOptions Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--no-tf32" });
        var options = new ForwardOptions(
            ModelSpec.Parse(reader.String("--model", "1.3b")),
            reader.Int("--frames", 21, min: 1),
            reader.Int("--height", 60, min: 2),
            reader.Int("--width", 104, min: 2),
            reader.Int("--text-len", 512, min: 1),
            reader.Int("--batch", 1, min: 1, max: 2),
            reader.Choice("--dtype", ScalarType.BFloat16, BenchDevice.DTypes),
            reader.Choice("--device", BenchDevice.DefaultKind, BenchDevice.Kinds),
            reader.Int("--warmup", 2, min: 0),
            reader.Int("--runs", 10, min: MinRuns),
            reader.Double("--timestep", 500),
            reader.OptionalString("--active-frames") is { } active ? ParseActive(active) : null,
            !reader.Flag("--no-tf32"),
            reader.Int("--seed", 0, min: 0),
            reader.OptionalString("--markdown"),
            ParseReductions(reader.OptionalString("--reductions"), reader.OptionalString("--q-ratio"), reader.OptionalString("--kv-ratio")),
            ParseStride(reader.String("--stride", "2x2x2")));
        reader.Finish();
        return options.Validate();
    }

    /// <summary>M frames spread evenly over 0..F-1 (the first and last included when M ≥ 2).</summary>
    public int[] ActiveFrameIndices(int count) =>
        count == 1 ? [Frames / 2] : [.. Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (Frames - 1) / (double)(count - 1)))];

    /// <summary><c>--reductions LIST</c>, or the one set of <c>--q-ratio</c>/<c>--kv-ratio</c> (a missing one is 0) beside dense.</summary>
    private static IReadOnlyList<ReductionSet>? ParseReductions(string? list, string? query, string? keyValue)
    {
        if (list is not null && (query ?? keyValue) is not null)
        {
            throw new UsageException("give either --reductions or --q-ratio/--kv-ratio, not both");
        }

        if (list is not null)
        {
            return ReductionSet.ParseList(list);
        }

        if ((query ?? keyValue) is null)
        {
            return null;
        }

        var set = new ReductionSet(query is null ? 0 : ReductionSet.Ratio(query, "--q-ratio"), keyValue is null ? 0 : ReductionSet.Ratio(keyValue, "--kv-ratio"));
        return set.IsDense ? [set] : [new ReductionSet(0, 0), set];
    }

    private static WindowStride ParseStride(string text)
    {
        var values = text.Split('x').Select(p => int.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
        return values.Length == 3 && values.All(v => v >= 1)
            ? new WindowStride(values[0], values[1], values[2])
            : throw new UsageException($"--stride: expected FRAMESxROWSxCOLUMNS with three integers >= 1 (e.g. 2x2x2), got '{text}'.");
    }

    private static int ParseActive(string text) =>
        int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 1
            ? value
            : throw new UsageException($"--active-frames must be an integer ≥ 1, got '{text}'");

    private ForwardOptions Validate()
    {
        var patch = Model.Config.PatchSize;
        if (Frames % patch.T != 0 || Height % patch.H != 0 || Width % patch.W != 0)
        {
            throw new UsageException($"--frames/--height/--width must be multiples of the patch ({patch.T}, {patch.H}, {patch.W}), got {Frames}x{Height}x{Width}");
        }

        // Every window keeps its destination, so a stride caps the removable fraction.
        var max = RhymeFlow.Core.Reduction.MaxRatio(Stride);
        if (Reductions?.FirstOrDefault(r => r.Query > max || r.KeyValue > max) is { } tooMuch)
        {
            throw new UsageException(
                $"--reductions/--q-ratio/--kv-ratio: {tooMuch.Query}/{tooMuch.KeyValue} removes more than the stride {Stride.AlongFrames}x{Stride.AlongRows}x{Stride.AlongColumns} allows (at most {max:0.###}); use a larger --stride");
        }

        if (ActiveFrames is { } active && active >= Frames / patch.T)
        {
            throw new UsageException($"--active-frames must be below the {Frames / patch.T} latent frames, got {active}");
        }

        return this;
    }
}
