using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Tests.Checkpoints;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.BuiltIn.Training;

[Collection(BuiltInTrainingCollection.Name)]
public sealed class MiniTrainerTests(ITestOutputHelper output)
{
    private static readonly TrainingOptions Tiny = new(
        Size: "tiny", TotalSteps: 30, BatchSize: 4, LearningRate: 3e-3, WeightDecay: 0.01, WarmupSteps: 4, Seed: 3, DataSeed: 11);

    [Fact]
    public void Loss_falls_on_a_tiny_model_in_thirty_steps()
    {
        using var trainer = MiniTrainer.Start(Tiny);
        var losses = new List<double>();
        while (trainer.NextStep < Tiny.TotalSteps)
        {
            losses.Add(trainer.TrainStep().Loss);
        }

        var first = losses.Take(5).Average();
        var last = losses.TakeLast(5).Average();
        output.WriteLine($"losses: {string.Join(" ", losses.Select(l => l.ToString("F3")))}; first-5 mean {first:F4}, last-5 mean {last:F4}");
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(last < 0.8 * first, $"the loss should fall by 20%: first-5 mean {first:F4}, last-5 mean {last:F4}");
    }

    [Fact]
    public void A_resumed_run_gives_the_same_next_loss_and_weights_as_an_uninterrupted_one()
    {
        using var folder = new TempDirectory();
        var checkpoint = Path.Combine(folder.Path, "checkpoint");
        using var uninterrupted = MiniTrainer.Start(Tiny);
        for (var i = 0; i < 3; i++)
        {
            uninterrupted.TrainStep();
        }

        uninterrupted.SaveCheckpoint(checkpoint);
        var expected = new[] { uninterrupted.TrainStep(), uninterrupted.TrainStep() };

        using var resumed = MiniTrainer.Resume(checkpoint);
        Assert.Equal(3, resumed.NextStep);
        Assert.Equal(Tiny, resumed.Options);
        var actual = new[] { resumed.TrainStep(), resumed.TrainStep() };

        Assert.Equal(expected.Select(r => r.Step), actual.Select(r => r.Step));
        Assert.Equal(expected.Select(r => r.Loss), actual.Select(r => r.Loss));
        Assert.Equal(expected.Select(r => r.GradientNorm), actual.Select(r => r.GradientNorm));
        var after = uninterrupted.Model.state_dict();
        foreach (var (key, value) in resumed.Model.state_dict())
        {
            Assert.True(value.eq(after[key]).all().item<bool>(), $"{key} differs after the resumed steps");
        }
    }

    [Fact]
    public void Checkpoint_folder_is_a_loadable_float32_package_and_is_replaced_atomically()
    {
        using var folder = new TempDirectory();
        var checkpoint = Path.Combine(folder.Path, "checkpoint");
        using var trainer = MiniTrainer.Start(Tiny);
        trainer.TrainStep();
        trainer.SaveCheckpoint(checkpoint);
        trainer.TrainStep();
        trainer.SaveCheckpoint(checkpoint);

        Assert.Equal(["checkpoint"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(checkpoint, MiniTrainer.OptimizerFile)));
        using var model = MiniModel.Load(checkpoint);
        var (_, metadata) = MiniModel.ReadConfig(Path.Combine(checkpoint, MiniModel.ConfigFile));
        Assert.Equal("2", metadata["training_steps"]);
        var trained = trainer.Model.state_dict();
        foreach (var (key, value) in model.state_dict())
        {
            Assert.True(value.eq(trained[key]).all().item<bool>(), $"{key} was not stored exactly");
        }
    }

    [Fact]
    public void Resume_of_a_folder_without_trainer_state_names_the_missing_file()
    {
        using var folder = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => MiniTrainer.Resume(folder.Path));
        Assert.Contains(MiniTrainer.StateFile, error.Message);
    }

    [Fact]
    public void Batches_hold_about_ten_percent_empty_captions_and_depend_only_on_the_step()
    {
        using var trainer = MiniTrainer.Start(Tiny with { BatchSize = 50 });
        var captions = Enumerable.Range(0, 20).SelectMany(step => trainer.Captions(step)).ToArray();
        var empty = captions.Count(c => c.Length == 0) / (double)captions.Length;
        Assert.InRange(empty, 0.06, 0.14);
        Assert.Equal(trainer.Captions(7), trainer.Captions(7));
        Assert.All(captions.Where(c => c.Length > 0), c => Assert.DoesNotContain(c, HeldOutCaptions.Captions));
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_to_a_tenth()
    {
        var options = new TrainingOptions(TotalSteps: 1000, LearningRate: 1e-3, WarmupSteps: 100);
        Assert.Equal(1e-5, options.LearningRateAt(0), 12);
        Assert.Equal(1e-3, options.LearningRateAt(99), 12);
        Assert.Equal(1e-3, options.LearningRateAt(100), 12);
        Assert.Equal(1e-4, options.LearningRateAt(1000), 12);
        Assert.True(options.LearningRateAt(500) < options.LearningRateAt(400));
    }
}
