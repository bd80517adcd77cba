using System.Globalization;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;

namespace RhymeFlow.Train;

/// <summary>
/// One bounded invocation of a training run: start or resume, step until --steps or --max-minutes, checkpoint, draw the
/// loss and accuracy curves, and write the fp16 package once the run is complete.
/// </summary>
internal static class TrainCommand
{
    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var newRun = reader.OptionalString("--run");
        var resumeRun = reader.OptionalString("--resume");
        if ((newRun is null) == (resumeRun is null))
        {
            throw new UsageException("give exactly one of --run DIR (new run) or --resume DIR");
        }

        var run = new TrainingRun(newRun ?? resumeRun!);
        TrainingOptions? options = null;
        if (newRun is not null)
        {
            options = Shared.TrainingOptions(reader);
            if (run.HasCheckpoint)
            {
                throw new UsageException($"{run.Directory} already holds a checkpoint: continue it with --resume {run.Directory}");
            }
        }

        var device = Shared.Device(reader);
        var maxMinutes = reader.Double("--max-minutes", double.PositiveInfinity);
        var checkpointEvery = reader.Int("--checkpoint-every", 300, 1);
        var logEvery = reader.Int("--log-every", 50, 1);
        var curve = Shared.AccuracyCurve(reader);
        var outDirectory = reader.OptionalString("--out");
        reader.Finish();

        using var trainer = run.Open(options, device);
        options = trainer.Options;
        Console.WriteLine(
            $"{(newRun is not null ? "starting" : "resuming")} {run.Directory} at step {trainer.NextStep}/{options.TotalSteps}: size {options.Size} "
            + $"({trainer.Model.ParameterCount:N0} parameters, {trainer.Model.Config.TokensPerClip} tokens a clip), batch {options.BatchSize}, lr {options.LearningRate}, "
            + $"flow shift {options.FlowShift}, device {device}, torch threads {TorchSharp.torch.get_num_threads()}, max {maxMinutes} min");

        var deadline = double.IsPositiveInfinity(maxMinutes) ? TimeSpan.MaxValue : TimeSpan.FromMinutes(maxMinutes);
        var finite = run.Train(trainer, options.TotalSteps, deadline, checkpointEvery, logEvery, curve);
        var tail = run.DrawCharts();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stopped at step {trainer.NextStep}/{options.TotalSteps}, run time {trainer.RunTime:hh\\:mm\\:ss} (clip rendering {trainer.RenderTime.TotalSeconds:F1} s of it in this invocation); "
            + $"mean loss of the last 100 steps {tail:F4}; checkpoint {run.Checkpoint}; loss.png and accuracy.png in {run.Directory}"));
        if (!finite)
        {
            return 1;
        }

        if (trainer.NextStep < options.TotalSteps)
        {
            Console.WriteLine($"not finished: continue with --resume {run.Directory}");
            return 0;
        }

        if (outDirectory is not null)
        {
            var metadata = new Dictionary<string, string>
            {
                ["final_loss_mean_last_100"] = tail.ToString("G5", CultureInfo.InvariantCulture),
                ["training_options"] = options.ToString(),
                ["training_wall_minutes"] = trainer.RunTime.TotalMinutes.ToString("F1", CultureInfo.InvariantCulture),
                ["training_device"] = $"{device} ({Environment.ProcessorCount} cores, {TorchSharp.torch.get_num_threads()} torch threads)",
            };
            trainer.Export(outDirectory, metadata);
            Console.WriteLine($"wrote the fp16 package {Path.GetFullPath(outDirectory)}");
        }

        return 0;
    }
}
