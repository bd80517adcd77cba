using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Execution;
using static TorchSharp.torch;

namespace RhymeFlow.Train;

internal static class Shared
{
    public static readonly IReadOnlySet<string> NoFlags = new HashSet<string>();

    public static readonly IReadOnlyDictionary<string, SolverKind> Solvers = new Dictionary<string, SolverKind>
    {
        ["unipc"] = SolverKind.UniPC,
        ["euler"] = SolverKind.Euler,
    };

    /// <summary>Every model preset by name: mini, tiny and the sizing sweep's candidates.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sizes = MiniModelConfig.PresetNames.ToDictionary(n => n, n => n);

    public static Device Device(ArgReader reader)
    {
        var name = reader.String("--device", "cpu");
        try
        {
            return SingleForward.ParseDevice(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The recipe options of a new run; the defaults are the shipped model's recipe.</summary>
    public static TrainingOptions TrainingOptions(ArgReader reader, string? size = null, long? steps = null)
    {
        var defaults = new TrainingOptions();
        var options = new TrainingOptions(
            Size: size ?? reader.Choice("--size", defaults.Size, Sizes),
            TotalSteps: steps ?? reader.Int("--steps", (int)defaults.TotalSteps, 1),
            BatchSize: reader.Int("--batch", defaults.BatchSize, 1),
            LearningRate: reader.Double("--lr", defaults.LearningRate),
            WeightDecay: reader.Double("--weight-decay", defaults.WeightDecay),
            WarmupSteps: reader.Int("--warmup", defaults.WarmupSteps, 0),
            EmptyCaptionRate: reader.Double("--empty-rate", defaults.EmptyCaptionRate),
            FlowShift: reader.Double("--flow-shift", defaults.FlowShift),
            GradientClip: reader.Double("--grad-clip", defaults.GradientClip),
            Seed: reader.Int("--seed", (int)defaults.Seed, 0),
            DataSeed: reader.Int("--data-seed", (int)defaults.DataSeed, 0));
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The accuracy-curve options (--eval-every, --eval-count, --eval-steps, --eval-guidance).</summary>
    public static AccuracyCurveOptions AccuracyCurve(ArgReader reader) => new(
        reader.Int("--eval-every", 300, 0),
        reader.Int("--eval-count", 16, 1, HeldOutCaptions.Count),
        reader.Int("--eval-steps", 20, 1),
        reader.Double("--eval-guidance", MiniVideoGenerator.DefaultGuidance));
}
