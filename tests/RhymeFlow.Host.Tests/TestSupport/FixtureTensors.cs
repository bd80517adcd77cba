using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Tests.TestSupport;

/// <summary>Reading a fixture's tensors and comparing against them, for every model family's parity tests.</summary>
internal static class FixtureTensors
{
    /// <summary>Every tensor of a safetensors fixture by name; the caller disposes them (<see cref="DisposeAll"/>).</summary>
    public static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var reader = CheckpointReader.Open(path);
        return reader.Keys.ToDictionary(key => key, reader.Read);
    }

    /// <summary>‖actual - expected‖₂ / ‖expected‖₂, computed in float64.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64);
        var e = expected.to(ScalarType.Float64);
        return (a - e).norm().item<double>() / e.norm().item<double>();
    }

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
