using System.Diagnostics;
using System.Globalization;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Train;

/// <summary>One bounded chunk of a training run: resume or start, step until --steps or --max-minutes, checkpoint, plot.</summary>
internal static class TrainCommand
{
    private const string CsvHeader = "step,loss,grad_norm,lr,mean_sigma,empty_captions,step_ms";

    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var newRun = reader.OptionalString("--run");
        var resumeRun = reader.OptionalString("--resume");
        if ((newRun is null) == (resumeRun is null))
        {
            throw new UsageException("give exactly one of --run DIR (new run) or --resume DIR");
        }

        var runDirectory = Path.GetFullPath(newRun ?? resumeRun!);
        var checkpoint = Path.Combine(runDirectory, "checkpoint");
        TrainingOptions? options = null;
        if (newRun is not null)
        {
            var defaults = new TrainingOptions();
            options = new TrainingOptions(
                Size: reader.Choice("--size", "mini", new Dictionary<string, string> { ["mini"] = "mini", ["tiny"] = "tiny" }),
                TotalSteps: reader.Int("--steps", (int)defaults.TotalSteps, 1),
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
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            if (File.Exists(Path.Combine(checkpoint, MiniTrainer.StateFile)))
            {
                throw new UsageException($"{runDirectory} already holds a checkpoint: continue it with --resume {runDirectory}");
            }
        }

        var device = Shared.Device(reader);
        var maxMinutes = reader.Double("--max-minutes", 9);
        var checkpointEvery = reader.Int("--checkpoint-every", 500, 1);
        var logEvery = reader.Int("--log-every", 50, 1);
        var outDirectory = reader.OptionalString("--out");
        reader.Finish();

        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(runDirectory);
        using var trainer = options is not null ? MiniTrainer.Start(options, device) : MiniTrainer.Resume(checkpoint, device);
        options = trainer.Options;
        var csvPath = Path.Combine(runDirectory, "loss.csv");
        PrepareCsv(csvPath, trainer.NextStep);
        Console.WriteLine(
            $"{(newRun is not null ? "starting" : "resuming")} {runDirectory} at step {trainer.NextStep}/{options.TotalSteps}: size {options.Size} "
            + $"({trainer.Model.ParameterCount:N0} parameters), batch {options.BatchSize}, lr {options.LearningRate}, flow shift {options.FlowShift}, device {device}, max {maxMinutes} min");

        var deadline = TimeSpan.FromMinutes(maxMinutes);
        var lastCheckpoint = trainer.NextStep;
        using (var csv = new StreamWriter(csvPath, append: true))
        {
            var window = new List<double>();
            while (trainer.NextStep < options.TotalSteps && clock.Elapsed < deadline)
            {
                var result = trainer.TrainStep();
                csv.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Step},{result.Loss:G6},{result.GradientNorm:G5},{result.LearningRate:G5},{result.MeanSigma:F4},{result.EmptyCaptions},{result.Elapsed.TotalMilliseconds:F1}"));
                window.Add(result.Loss);
                if (!double.IsFinite(result.Loss))
                {
                    Console.Error.WriteLine($"step {result.Step}: loss is {result.Loss}; stopping without a checkpoint (the last good one stays).");
                    return 1;
                }

                if (trainer.NextStep % logEvery == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {trainer.NextStep,7}  loss {window.Average():F4}  grad {result.GradientNorm:F3}  lr {result.LearningRate:G3}  {result.Elapsed.TotalMilliseconds:F0} ms/step  {clock.Elapsed:hh\\:mm\\:ss}"));
                    window.Clear();
                }

                if (trainer.NextStep % checkpointEvery == 0)
                {
                    csv.Flush();
                    trainer.SaveCheckpoint(checkpoint);
                    lastCheckpoint = trainer.NextStep;
                }
            }
        }

        if (lastCheckpoint != trainer.NextStep || !File.Exists(Path.Combine(checkpoint, MiniTrainer.StateFile)))
        {
            trainer.SaveCheckpoint(checkpoint);
        }

        var points = ReadCsv(csvPath);
        var plotPath = Path.Combine(runDirectory, "loss.png");
        PngWriter.Write(plotPath, LossCurvePlot.Render(points));
        var tail = points.TakeLast(Math.Min(100, points.Count)).Select(p => p.Loss).DefaultIfEmpty(double.NaN).Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stopped at step {trainer.NextStep}/{options.TotalSteps} after {clock.Elapsed:hh\\:mm\\:ss}; mean loss of the last {Math.Min(100, points.Count)} steps {tail:F4}; checkpoint {checkpoint}; plot {plotPath} (y: 0..p98 of the losses, x: steps {points.FirstOrDefault().Step}..{points.LastOrDefault().Step})"));

        if (trainer.NextStep >= options.TotalSteps)
        {
            if (outDirectory is not null)
            {
                trainer.Export(outDirectory, new Dictionary<string, string>
                {
                    ["final_loss_mean_last_100"] = tail.ToString("G5", CultureInfo.InvariantCulture),
                    ["training_command_options"] = options.ToString(),
                });
                Console.WriteLine($"wrote the fp16 package {Path.GetFullPath(outDirectory)}");
            }
        }
        else
        {
            Console.WriteLine($"not finished: continue with --resume {runDirectory}");
        }

        return 0;
    }

    /// <summary>Creates the CSV, or drops rows past the checkpoint (steps a crashed chunk logged but never saved).</summary>
    private static void PrepareCsv(string path, long nextStep)
    {
        if (!File.Exists(path) || nextStep == 0)
        {
            File.WriteAllText(path, CsvHeader + "\n");
            return;
        }

        var kept = File.ReadAllLines(path).Where((line, i) => i == 0 || (long.TryParse(line.Split(',')[0], CultureInfo.InvariantCulture, out var step) && step < nextStep));
        File.WriteAllLines(path, kept);
    }

    private static List<(long Step, double Loss)> ReadCsv(string path) =>
        File.ReadAllLines(path).Skip(1)
            .Select(line => line.Split(','))
            .Where(cells => cells.Length >= 2)
            .Select(cells => (long.Parse(cells[0], CultureInfo.InvariantCulture), double.Parse(cells[1], CultureInfo.InvariantCulture)))
            .ToList();
}
