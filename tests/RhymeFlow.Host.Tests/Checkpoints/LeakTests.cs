using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class LeakTests
{
    [Fact]
    public void LoadingIntoAModuleLeavesTheLiveTensorCountFlat()
    {
        using var directory = new TempDirectory();
        var path = directory.File("linear.safetensors");
        using (var weight = randn(3, 4))
        using (var bias = randn(3))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["proj.weight"] = weight, ["proj.bias"] = bias });
        }

        using var module = new StateDictLoaderTests.Wrapper();
        StateDictLoader.Load(module, path);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 10; i++)
        {
            StateDictLoader.Load(module, path);
            using var reader = CheckpointReader.Open(path);
            using var tensor = reader.Read("proj.weight");
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        // The counter must notice a leak, or the assertion above proves nothing.
        using var probe = ones(1);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AFailedLoadLeavesTheLiveTensorCountFlat()
    {
        using var directory = new TempDirectory();
        var path = directory.File("wrong.safetensors");
        using (var weight = randn(5, 4))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["proj.weight"] = weight });
        }

        using var module = new StateDictLoaderTests.Wrapper();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Throws<CheckpointMismatchException>(() => StateDictLoader.Load(module, path));

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
