using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;
using TorchSharp.Modules;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class StateDictLoaderTests
{
    [Fact]
    public void LoadsMatchingTensorsIntoAModule()
    {
        using var directory = new TempDirectory();
        var path = directory.File("linear.safetensors");
        using (var weight = arange(12, dtype: ScalarType.Float32).reshape(3, 4))
        using (var bias = tensor(new[] { 1f, 2f, 3f }))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["proj.weight"] = weight, ["proj.bias"] = bias });
        }

        using var module = new Wrapper();
        var result = StateDictLoader.Load(module, path);

        Assert.Equal(2, result.Tensors);
        Assert.Equal((12 + 3) * 4, result.Bytes);
        Assert.Equal(11f, module.proj.weight![2, 3].item<float>());
        Assert.Equal(3f, module.proj.bias![2].item<float>());
    }

    [Fact]
    public void CastsToTheModuleDtype()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bf16.safetensors");
        using (var weight = full(3, 4, 1.5f).to(ScalarType.BFloat16))
        using (var bias = full(3, -2.0, dtype: ScalarType.Float64))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["proj.weight"] = weight, ["proj.bias"] = bias });
        }

        using var module = new Wrapper();
        StateDictLoader.Load(module, path);

        Assert.Equal(ScalarType.Float32, module.proj.weight!.dtype);
        Assert.Equal(1.5f, module.proj.weight[1, 1].item<float>());
        Assert.Equal(-2f, module.proj.bias![0].item<float>());
    }

    [Fact]
    public void RenamingFunctionMapsCheckpointKeys()
    {
        using var directory = new TempDirectory();
        var path = directory.File("renamed.safetensors");
        using (var weight = ones(3, 4))
        using (var bias = ones(3))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["head.weight"] = weight, ["head.bias"] = bias });
        }

        using var module = new Wrapper();
        var result = StateDictLoader.Load(module, path, key => key.Replace("head.", "proj.", StringComparison.Ordinal));

        Assert.Equal(2, result.Tensors);
        Assert.Equal(12f, module.proj.weight!.sum().item<float>());
    }

    [Fact]
    public void ReportsMissingUnexpectedAndWrongShapesTogether()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bad.safetensors");
        using (var weight = zeros(3, 5))
        using (var extra = zeros(2))
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["proj.weight"] = weight, ["proj.extra"] = extra });
        }

        using var module = new Wrapper();
        var error = Assert.Throws<CheckpointMismatchException>(() => StateDictLoader.Load(module, path));

        Assert.Equal(["proj.bias"], error.Missing);
        Assert.Equal(["proj.extra"], error.Unexpected);
        var shape = Assert.Single(error.WrongShapes);
        Assert.Equal("proj.weight", shape.Key);
        Assert.Equal([3L, 4], shape.Expected);
        Assert.Equal([3L, 5], shape.Found);
        Assert.Contains(path, error.Message);
        Assert.Contains("'proj.bias'", error.Message);
        Assert.Contains("'proj.extra'", error.Message);
        Assert.Contains("expected [3, 4], found [3, 5]", error.Message);
    }

    internal sealed class Wrapper : nn.Module
    {
#pragma warning disable IDE1006 // Field names are checkpoint keys.
        public readonly Linear proj = nn.Linear(4, 3);
#pragma warning restore IDE1006

        public Wrapper()
            : base(nameof(Wrapper)) => RegisterComponents();
    }
}
