using RhymeFlow.Host.Acceleration.StepCaching;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// What <see cref="LoopBenchmark"/> runs: the model, the latent grid, the sampling and RhymeFlow knobs, and which
/// schedules (rows) to time. Validation messages name the command-line flags both front ends share.
/// </summary>
/// <param name="Model">The architecture (random weights).</param>
/// <param name="Frames">Latent frames before temporal patching.</param>
/// <param name="Height">Latent height.</param>
/// <param name="Width">Latent width.</param>
/// <param name="TextLength">Text tokens.</param>
/// <param name="Steps">Sampling steps of the dense baseline.</param>
/// <param name="Guidance">CFG scale; above 1 runs cond and uncond as one batch-2 call.</param>
/// <param name="Shift">UniPC flow shift.</param>
/// <param name="DType">Model dtype.</param>
/// <param name="Device">"cpu" or "cuda".</param>
/// <param name="Repeats">Rounds; every row runs once per round, the order alternating.</param>
/// <param name="WarmupSteps">RhymeFlow dense warm-up steps Tw.</param>
/// <param name="Keyframes">RhymeFlow keyframe budget M.</param>
/// <param name="MinSkip">RhymeFlow progressive skip, shortest group.</param>
/// <param name="MaxSkip">RhymeFlow progressive skip, longest group.</param>
/// <param name="Rows">Row keys from <see cref="AllRows"/>, in table order.</param>
/// <param name="Tf32">TF32 float32 matmuls on CUDA.</param>
/// <param name="Seed">Seed of the random weights and inputs.</param>
public sealed record LoopBenchmarkSettings(
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
    long Seed)
{
    /// <summary>
    /// A step cache (TeaCache or the first-block cache) to time as one more row, "cache": the dense schedule with the
    /// cache; null adds none.
    /// </summary>
    public StepCache? Cache { get; init; }

    /// <summary>Every row the benchmark knows, in table order.</summary>
    public static IReadOnlyList<string> AllRows { get; } = ["dense", "rhymeflow", "authors", "hidden-host", "fewer", "asymrnr", "rhymeflow+asymrnr"];

    /// <summary>The rows run when none are named.</summary>
    public static IReadOnlyList<string> DefaultRows { get; } = ["dense", "rhymeflow", "authors", "fewer"];

    /// <summary>Tokens of one latent frame after spatial patching.</summary>
    public int TokensPerFrame => Height / Model.Config.PatchSize.H * (Width / Model.Config.PatchSize.W);

    /// <summary>Latent frames after temporal patching (the frames the schedule sees).</summary>
    public int LatentFrames => Frames / Model.Config.PatchSize.T;

    /// <summary>The issue's default warm-up: Tw = 10 of 50 steps, the same fraction for other step counts.</summary>
    public static int DefaultWarmupSteps(int steps) => (int)Math.Round(steps / 5.0, MidpointRounding.AwayFromZero);

    /// <summary>A comma-separated subset of <see cref="AllRows"/>, in table order, duplicates dropped.</summary>
    /// <param name="text">The list as typed.</param>
    /// <param name="flag">The flag that carried it, for the message.</param>
    public static IReadOnlyList<string> ParseRows(string text, string flag) => ParseRows(text, flag, AllRows);

    /// <summary>A comma-separated subset of <paramref name="allowed"/>, in its order, duplicates dropped.</summary>
    /// <param name="text">The list as typed.</param>
    /// <param name="flag">The flag that carried it, for the message.</param>
    /// <param name="allowed">The row keys a benchmark offers, in table order (the family benchmark offers others).</param>
    /// <exception cref="BenchmarkArgumentException">The list is empty or names a row not allowed; the message names it.</exception>
    public static IReadOnlyList<string> ParseRows(string text, string flag, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(allowed);
        var rows = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = rows.Except(allowed).ToArray();
        if (rows.Length == 0 || unknown.Length > 0)
        {
            var named = unknown.Length > 0 ? $" (unknown: {string.Join(",", unknown)})" : "";
            throw new BenchmarkArgumentException($"{flag} takes a comma-separated subset of {string.Join(",", allowed)}, got '{text}'{named}");
        }

        return [.. allowed.Where(rows.Contains)];
    }

    /// <summary>Checks that the settings can run; returns them.</summary>
    /// <exception cref="BenchmarkArgumentException">They cannot; the message names the flag.</exception>
    public LoopBenchmarkSettings Validate()
    {
        var patch = Model.Config.PatchSize;
        if (Frames < 1 || Height < 1 || Width < 1 || Frames % patch.T != 0 || Height % patch.H != 0 || Width % patch.W != 0)
        {
            throw new BenchmarkArgumentException($"--frames/--height/--width must be positive multiples of the patch ({patch.T}, {patch.H}, {patch.W}), got {Frames}x{Height}x{Width}");
        }

        if (TextLength < 1 || Steps < 2 || Repeats < 1 || WarmupSteps < 1 || Keyframes < 1 || MinSkip < 1)
        {
            throw new BenchmarkArgumentException($"--text-len, --repeats, --warmup-steps, --keyframes and --min-skip must be ≥ 1 and --steps ≥ 2, got {TextLength}, {Repeats}, {WarmupSteps}, {Keyframes}, {MinSkip} and {Steps}");
        }

        if (!double.IsFinite(Guidance) || Guidance < 1)
        {
            throw new BenchmarkArgumentException($"--guidance must be ≥ 1 (1 = no CFG), got {Guidance}");
        }

        if (WarmupSteps >= Steps)
        {
            throw new BenchmarkArgumentException($"--warmup-steps must be below --steps ({Steps}), got {WarmupSteps}");
        }

        if (Keyframes >= LatentFrames)
        {
            throw new BenchmarkArgumentException($"--keyframes must be below the {LatentFrames} latent frames, got {Keyframes}");
        }

        if (MaxSkip < MinSkip)
        {
            throw new BenchmarkArgumentException($"--max-skip ({MaxSkip}) must be at least --min-skip ({MinSkip})");
        }

        if (Rows.Count == 0 || Rows.Except(AllRows).Any())
        {
            throw new BenchmarkArgumentException($"rows must be a non-empty subset of {string.Join(",", AllRows)}");
        }

        try
        {
            Cache?.Validate();
        }
        catch (ArgumentException e)
        {
            throw new BenchmarkArgumentException($"--cache-threshold: {e.Message.Split(" (Parameter")[0]}");
        }

        return this;
    }
}
