using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.CogVideoX;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>Loading weights into the CogVideoX transformer: strict, with errors that name the file, the key and the shapes.</summary>
public sealed class CogVideoXLoadingTests
{
    [Fact]
    public void WeightsOfAnotherArchitectureAreRefusedNamingFileKeyAndShapes()
    {
        var wider = CogVideoXConfig.FromJson(CogVideoXTiny.ConfigPath) with { TimeEmbedDim = 8 };
        using var model = CogVideoXTransformer.Create(wider, ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(CogVideoXTiny.WeightsPath));
        Assert.Contains("cogvideox-tiny.weights.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("time_embedding.linear_1.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.WrongShapes, m => m.ToString().Contains("[16, 32]", StringComparison.Ordinal));
    }

    [Fact]
    public void ADiffusersFolderLoadsFromItsConfigAndWeights()
    {
        var folder = Directory.CreateTempSubdirectory("cogvideox-folder-").FullName;
        try
        {
            File.Copy(CogVideoXTiny.ConfigPath, Path.Combine(folder, "config.json"));
            File.Copy(CogVideoXTiny.WeightsPath, Path.Combine(folder, "diffusion_pytorch_model.safetensors"));
            using var fromFolder = CogVideoXTransformer.Load(folder, ScalarType.Float32, CPU);
            using var fromFiles = CogVideoXTiny.Load();
            var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
            using var a = fromFolder.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
            using var b = fromFiles.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
            Assert.True(a.eq(b).all().item<bool>());
            CogVideoXTiny.DisposeAll(inputs);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AMissingWeightsFileIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.safetensors");
        var error = Assert.ThrowsAny<CheckpointException>(() => CogVideoXTransformer.Load(CogVideoXTiny.ConfigPath, missing, ScalarType.Float32, CPU));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
