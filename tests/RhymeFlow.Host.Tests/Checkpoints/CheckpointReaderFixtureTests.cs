using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class CheckpointReaderFixtureTests
{
    private static readonly string Weights = Fixtures.WanDiffusers("wan-tiny.weights.safetensors");

    [Fact]
    public void ReadsWanTinyKeysShapesAndDtypes()
    {
        using var reader = CheckpointReader.Open(Weights);

        Assert.Equal(69, reader.Keys.Count);
        Assert.Equal([Weights], reader.Files);
        var patch = reader.GetInfo("patch_embedding.weight");
        Assert.Equal("F32", patch.DType);
        Assert.Equal(ScalarType.Float32, patch.ScalarType);
        Assert.Equal([32L, 4, 1, 2, 2], patch.Shape);
        Assert.Equal(32L * 4 * 2 * 2 * 4, patch.ByteLength);
        Assert.Equal([1L, 6, 32], reader.GetInfo("blocks.1.scale_shift_table").Shape);
        Assert.Equal([192L, 32], reader.GetInfo("condition_embedder.time_proj.weight").Shape);
        Assert.All(reader.Tensors, t => Assert.Equal("F32", t.DType));
    }

    [Fact]
    public void ReadCreatesCpuTensorOfStoredDtypeAndShape()
    {
        using var reader = CheckpointReader.Open(Weights);
        using var tensor = reader.Read("blocks.0.attn1.to_q.weight");

        Assert.Equal(ScalarType.Float32, tensor.dtype);
        Assert.Equal(DeviceType.CPU, tensor.device_type);
        Assert.Equal([32L, 32], tensor.shape);
        Assert.True(tensor.isfinite().all().item<bool>());
        Assert.True(tensor.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void OpensADirectoryHoldingOneCheckpoint()
    {
        using var directory = new TempDirectory();
        File.Copy(Weights, Path.Combine(directory.Path, "diffusion_pytorch_model.safetensors"));

        using var reader = CheckpointReader.Open(directory.Path);

        Assert.Equal(69, reader.Keys.Count);
    }

    [Fact]
    public void UnknownKeyIsACheckpointError()
    {
        using var reader = CheckpointReader.Open(Weights);

        var error = Assert.Throws<CheckpointException>(() => reader.Read("no.such.key"));
        Assert.Contains("no.such.key", error.Message);
        Assert.Contains(Weights, error.Message);
    }
}
