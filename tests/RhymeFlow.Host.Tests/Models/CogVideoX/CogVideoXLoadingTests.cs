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
    public void AMissingWeightsFileIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.safetensors");
        var error = Assert.ThrowsAny<CheckpointException>(() => CogVideoXTransformer.Load(CogVideoXTiny.ConfigPath, missing, ScalarType.Float32, CPU));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
