using System.Globalization;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Evaluation;
using static TorchSharp.torch;

namespace RhymeFlow.Train;

/// <summary>How often and how the trainer measures held-out accuracy while it trains.</summary>
/// <param name="Every">Steps between measurements; 0 turns the curve off.</param>
/// <param name="Count">Held-out captions per measurement (a spread subset, <see cref="HeldOutEvaluation.Subset"/>).</param>
/// <param name="Steps">Dense UniPC sampling steps (shift 3) per clip.</param>
/// <param name="Guidance">CFG scale.</param>
internal sealed record AccuracyCurveOptions(int Every, int Count, int Steps, double Guidance);

/// <summary>
/// A run folder and the loop that fills it: <c>checkpoint/</c> (resumable), <c>loss.csv</c>, <c>eval.csv</c> (held-out
/// accuracy against the run's wall time), and the pictures <c>loss.png</c> and <c>accuracy.png</c>.
/// </summary>
internal sealed class TrainingRun(string directory)
{
    private const string LossHeader = "step,loss,grad_norm,lr,mean_sigma,empty_captions,step_ms";
    private const string EvalHeader = "step,run_minutes,colour,shape,motion,speed,count,all,mean_adherence,eval_seconds";

    public string Directory { get; } = Path.GetFullPath(directory);

    public string Checkpoint => Path.Combine(Directory, "checkpoint");

    public string LossCsv => Path.Combine(Directory, "loss.csv");

    public string EvalCsv => Path.Combine(Directory, "eval.csv");

    public bool HasCheckpoint => File.Exists(Path.Combine(Checkpoint, MiniTrainer.StateFile));

    /// <summary>Starts a new run or resumes the checkpoint.</summary>
    public MiniTrainer Open(TrainingOptions? options, Device device)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var trainer = options is not null ? MiniTrainer.Start(options, device) : MiniTrainer.Resume(Checkpoint, device);
        TrimCsv(LossCsv, LossHeader, trainer.NextStep, includeStep: false);
        TrimCsv(EvalCsv, EvalHeader, trainer.NextStep, includeStep: true);
        return trainer;
    }

    /// <summary>
    /// Steps until <paramref name="untilStep"/> or the deadline, logging each step, checkpointing every
    /// <paramref name="checkpointEvery"/> steps and at the end, and measuring the accuracy curve. Returns false when the
    /// loss stopped being finite.
    /// </summary>
    public bool Train(MiniTrainer trainer, long untilStep, TimeSpan deadline, int checkpointEvery, int logEvery, AccuracyCurveOptions curve)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastCheckpoint = trainer.NextStep;
        if (trainer.NextStep == 0 && curve.Every > 0)
        {
            MeasureAccuracy(trainer, curve);
        }

        using (var csv = new StreamWriter(LossCsv, append: true))
        {
            var window = new List<double>();
            while (trainer.NextStep < untilStep && clock.Elapsed < deadline)
            {
                var result = trainer.TrainStep();
                csv.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Step},{result.Loss:G6},{result.GradientNorm:G5},{result.LearningRate:G5},{result.MeanSigma:F4},{result.EmptyCaptions},{result.Elapsed.TotalMilliseconds:F1}"));
                window.Add(result.Loss);
                if (!double.IsFinite(result.Loss))
                {
                    Console.Error.WriteLine($"step {result.Step}: loss is {result.Loss}; stopping without a checkpoint (the last good one stays).");
                    return false;
                }

                if (trainer.NextStep % logEvery == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {trainer.NextStep,6}/{trainer.Options.TotalSteps}  loss {window.Average():F4}  grad {result.GradientNorm:F3}  lr {result.LearningRate:G3}  {result.Elapsed.TotalMilliseconds:F0} ms/step  run {trainer.RunTime:hh\\:mm\\:ss}"));
                    window.Clear();
                }

                var atEnd = trainer.NextStep == trainer.Options.TotalSteps;
                if (curve.Every > 0 && (trainer.NextStep % curve.Every == 0 || atEnd))
                {
                    csv.Flush();
                    MeasureAccuracy(trainer, curve);
                }

                if (trainer.NextStep % checkpointEvery == 0)
                {
                    csv.Flush();
                    trainer.SaveCheckpoint(Checkpoint);
                    lastCheckpoint = trainer.NextStep;
                }
            }
        }

        if (lastCheckpoint != trainer.NextStep || !HasCheckpoint)
        {
            trainer.SaveCheckpoint(Checkpoint);
        }

        return true;
    }

    /// <summary>Draws loss.png and, when the curve has points, accuracy.png; returns the mean loss of the last 100 steps.</summary>
    public double DrawCharts()
    {
        var losses = ReadRows(LossCsv).Select(cells => (Step: long.Parse(cells[0], CultureInfo.InvariantCulture), Loss: Parse(cells[1]))).ToList();
        TrainingCharts.Loss(losses, Path.Combine(Directory, "loss.png"));
        var accuracy = ReadAccuracy();
        if (accuracy.Count > 0)
        {
            TrainingCharts.Accuracy(accuracy, Path.Combine(Directory, "accuracy.png"));
        }

        return losses.TakeLast(Math.Min(100, losses.Count)).Select(p => p.Loss).DefaultIfEmpty(double.NaN).Average();
    }

    /// <summary>The rows of eval.csv.</summary>
    public IReadOnlyList<AccuracyPoint> ReadAccuracy() =>
        ReadRows(EvalCsv).Select(c => new AccuracyPoint(
            long.Parse(c[0], CultureInfo.InvariantCulture), Parse(c[1]), Parse(c[2]), Parse(c[3]), Parse(c[4]), Parse(c[7]))).ToList();

    private void MeasureAccuracy(MiniTrainer trainer, AccuracyCurveOptions curve)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var minutes = trainer.RunTime.TotalMinutes;
        IReadOnlyList<ClipJudgement> judgements;
        using (no_grad())
        {
            trainer.Model.eval();
            try
            {
                var generator = new MiniVideoGenerator(trainer.Model);
                judgements = HeldOutEvaluation.RunAsync(generator, HeldOutEvaluation.Subset(curve.Count), Schedules.Dense(curve.Steps, 3.0, SolverKind.UniPC), curve.Guidance)
                    .GetAwaiter().GetResult();
            }
            finally
            {
                trainer.Model.train();
            }
        }

        var s = AdherenceSummary.Of(judgements);
        File.AppendAllText(EvalCsv, string.Create(CultureInfo.InvariantCulture,
            $"{trainer.NextStep},{minutes:F2},{s.Colour.Rate:F4},{s.Shape.Rate:F4},{s.Motion.Rate:F4},{s.Speed.Rate:F4},{s.Count.Rate:F4},{s.All.Rate:F4},{s.MeanAdherence:F4},{clock.Elapsed.TotalSeconds:F1}\n"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held-out ({curve.Count} captions, dense {curve.Steps} steps) at step {trainer.NextStep}, {minutes:F1} min: {s.ToLine()} [{clock.Elapsed.TotalSeconds:F0} s]"));
    }

    /// <summary>Creates the CSV, or drops rows past the checkpoint (rows a crashed invocation logged but never saved).</summary>
    private static void TrimCsv(string path, string header, long nextStep, bool includeStep)
    {
        if (!File.Exists(path) || nextStep == 0)
        {
            File.WriteAllText(path, header + "\n");
            return;
        }

        var kept = File.ReadAllLines(path).Where((line, i) =>
            i == 0 || (long.TryParse(line.Split(',')[0], CultureInfo.InvariantCulture, out var step) && (includeStep ? step <= nextStep : step < nextStep)));
        File.WriteAllLines(path, kept);
    }

    private static IEnumerable<string[]> ReadRows(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Skip(1).Select(line => line.Split(',')).Where(cells => cells.Length >= 2) : [];

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>One point of the accuracy curve.</summary>
internal sealed record AccuracyPoint(long Step, double Minutes, double Colour, double Shape, double Motion, double All);
