using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

internal static class Shapes
{
    public static string Format(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";
}
