using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Evaluation;
using static TorchSharp.torch;

namespace RhymeFlow.Train;

/// <summary>
/// The sizing sweep: several model presets trained with one recipe for the same wall-clock budget, then judged on the
/// held-out captions. Resumable: the plan, every run and every result live in the output folder.
/// </summary>
/// <remarks>
/// The budget is turned into a step count per candidate from a timing phase run first, back to back, so every
/// candidate gets the same budget even when the machine is busier during one candidate's training than another's.
/// </remarks>
internal static class SweepCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var outDirectory = Path.GetFullPath(reader.OptionalString("--out") ?? throw new UsageException("sweep needs --out DIR"));
        var sizes = reader.String("--sizes", string.Join(",", MiniModelConfig.SweepCandidates.Keys)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var size in sizes)
        {
            if (!Shared.Sizes.ContainsKey(size))
            {
                throw new UsageException($"--sizes: unknown preset '{size}'; expected names from {string.Join(", ", Shared.Sizes.Keys)}");
            }
        }

        var budgetMinutes = reader.Double("--budget-minutes", 15);
        var timingSteps = reader.Int("--timing-steps", 8, 1);
        var recipe = Shared.TrainingOptions(reader, size: "tiny", steps: 1);
        var evalSteps = reader.Int("--eval-steps", 30, 1);
        var evalGuidance = reader.Double("--eval-guidance", MiniVideoGenerator.DefaultGuidance);
        var device = Shared.Device(reader);
        reader.Finish();
        if (budgetMinutes <= 0)
        {
            throw new UsageException($"--budget-minutes must be positive, got {budgetMinutes}");
        }

        Directory.CreateDirectory(outDirectory);
        var planPath = Path.Combine(outDirectory, "plan.json");
        var plan = File.Exists(planPath)
            ? JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(planPath)) ?? throw new InvalidDataException($"{planPath}: empty sweep plan.")
            : MakePlan(sizes, budgetMinutes, timingSteps, recipe, device, planPath);
        Console.WriteLine($"sweep plan {planPath}: budget {plan.BudgetMinutes} min a candidate; " + string.Join("; ", plan.Candidates.Select(c => $"{c.Size} {c.SecondsPerStep:F2} s/step → {c.Steps} steps")));

        foreach (var candidate in plan.Candidates)
        {
            var resultPath = Path.Combine(outDirectory, candidate.Size, "result.json");
            if (File.Exists(resultPath))
            {
                Console.WriteLine($"{candidate.Size}: done earlier ({resultPath})");
                continue;
            }

            var run = new TrainingRun(Path.Combine(outDirectory, candidate.Size));
            var options = plan.Recipe with { Size = candidate.Size, TotalSteps = candidate.Steps, WarmupSteps = (int)Math.Min(plan.Recipe.WarmupSteps, candidate.Steps / 10) };
            using var trainer = run.Open(run.HasCheckpoint ? null : options, device);
            Console.WriteLine($"{candidate.Size}: training {trainer.Model.ParameterCount:N0} parameters, {trainer.Model.Config.TokensPerClip} tokens a clip, step {trainer.NextStep} → {candidate.Steps}");
            if (!run.Train(trainer, candidate.Steps, TimeSpan.MaxValue, checkpointEvery: 250, logEvery: 50, new AccuracyCurveOptions(0, 1, 1, 1)))
            {
                return 1;
            }

            var loss = run.DrawCharts();
            var trainMinutes = trainer.RunTime.TotalMinutes;
            var clock = Stopwatch.StartNew();
            trainer.Model.eval();
            var judgements = HeldOutEvaluation.RunAsync(new MiniVideoGenerator(trainer.Model), HeldOutCaptions.Specs, Schedules.Dense(evalSteps, 3.0, SolverKind.UniPC), evalGuidance)
                .GetAwaiter().GetResult();
            var summary = AdherenceSummary.Of(judgements);
            var result = new SweepResult(
                candidate.Size, trainer.Model.ParameterCount, trainer.Model.Config.TokensPerClip, trainer.Model.Config.Transformer.InnerDim, trainer.Model.Config.Transformer.NumLayers,
                candidate.SecondsPerStep, candidate.Steps, trainMinutes, loss, summary.Colour.Rate, summary.Shape.Rate, summary.Motion.Rate, summary.Speed.Rate, summary.All.Rate,
                evalSteps, clock.Elapsed.TotalSeconds / judgements.Count);
            File.WriteAllText(resultPath, JsonSerializer.Serialize(result, Json) + "\n");
            Console.WriteLine($"{candidate.Size}: {summary.ToLine()}");
        }

        var table = Table(plan, outDirectory);
        File.WriteAllText(Path.Combine(outDirectory, "sweep.md"), table);
        Console.WriteLine(table);
        return 0;
    }

    private static SweepPlan MakePlan(string[] sizes, double budgetMinutes, int timingSteps, TrainingOptions recipe, Device device, string path)
    {
        // Rounds interleave the candidates, one step each, so a change in the machine's load during the timing affects
        // every candidate alike. The timing runs render only the clips they use; each one's first step (allocation,
        // warm caches) is not counted.
        var trainers = sizes.Select(size => MiniTrainer.Start(recipe with { Size = size, TotalSteps = timingSteps + 1, WarmupSteps = 1 }, device)).ToList();
        try
        {
            var times = sizes.Select(_ => new List<double>()).ToArray();
            foreach (var trainer in trainers)
            {
                trainer.TrainStep();
            }

            for (var round = 0; round < timingSteps; round++)
            {
                for (var i = 0; i < trainers.Count; i++)
                {
                    times[i].Add(trainers[i].TrainStep().Elapsed.TotalSeconds);
                }
            }

            var candidates = new List<SweepCandidate>();
            for (var i = 0; i < sizes.Length; i++)
            {
                var sorted = times[i].Order().ToArray();
                var median = sorted[sorted.Length / 2];
                candidates.Add(new SweepCandidate(sizes[i], median, Math.Max(1, (long)Math.Floor(budgetMinutes * 60 / median))));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"timing {sizes[i]}: median {median:F2} s/step over {timingSteps} interleaved steps (batch {recipe.BatchSize}; {string.Join(" ", sorted.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))})"));
            }

            var plan = new SweepPlan(budgetMinutes, recipe, candidates);
            File.WriteAllText(path, JsonSerializer.Serialize(plan, Json) + "\n");
            return plan;
        }
        finally
        {
            foreach (var trainer in trainers)
            {
                trainer.Dispose();
            }
        }
    }

    private static string Table(SweepPlan plan, string directory)
    {
        var text = new StringBuilder();
        var r0 = plan.Recipe;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Budget {plan.BudgetMinutes} min of training a candidate (steps = budget / measured s/step). Recipe: batch {r0.BatchSize}, AdamW lr {r0.LearningRate} (warm-up {r0.WarmupSteps} steps or a tenth of the run, cosine to 10%), weight decay {r0.WeightDecay}, flow shift {r0.FlowShift}, {100 * r0.EmptyCaptionRate}% empty captions, seeds {r0.Seed}/{r0.DataSeed}.");
        text.AppendLine();
        text.AppendLine("| candidate | parameters | tokens a clip | width | layers | s/step | steps | train min | final loss | colour | shape | direction | speed | all |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var candidate in plan.Candidates)
        {
            var path = Path.Combine(directory, candidate.Size, "result.json");
            if (!File.Exists(path))
            {
                continue;
            }

            var r = JsonSerializer.Deserialize<SweepResult>(File.ReadAllText(path))!;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Size} | {r.Parameters:N0} | {r.Tokens} | {r.Width} | {r.Layers} | {r.SecondsPerStep:F2} | {r.Steps} | {r.TrainMinutes:F1} | {r.FinalLoss:F4} | {100 * r.Colour:F1}% | {100 * r.Shape:F1}% | {100 * r.Motion:F1}% | {100 * r.Speed:F1}% | {100 * r.All:F1}% |");
        }

        return text.ToString();
    }

    private sealed record SweepCandidate(string Size, double SecondsPerStep, long Steps);

    private sealed record SweepPlan(double BudgetMinutes, TrainingOptions Recipe, IReadOnlyList<SweepCandidate> Candidates);

    private sealed record SweepResult(
        string Size, long Parameters, int Tokens, int Width, int Layers, double SecondsPerStep, long Steps, double TrainMinutes, double FinalLoss,
        double Colour, double Shape, double Motion, double Speed, double All, int EvalSteps, double EvalSecondsPerClip);
}
