using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>One tensor as a checkpoint declares it, before any data is read.</summary>
/// <param name="Key">The key in the checkpoint.</param>
/// <param name="DType">The safetensors dtype name, e.g. <c>BF16</c>.</param>
/// <param name="ScalarType">The TorchSharp type a read tensor has.</param>
/// <param name="Shape">The declared shape; empty for a scalar.</param>
/// <param name="ByteLength">The size of the stored data in bytes.</param>
/// <param name="File">The file holding the data.</param>
public sealed record TensorInfo(
    string Key,
    string DType,
    ScalarType ScalarType,
    IReadOnlyList<long> Shape,
    long ByteLength,
    string File)
{
    /// <summary>The shape as it appears in messages, e.g. <c>[32, 4, 1, 2, 2]</c>.</summary>
    public string ShapeText => ShapeFormat.Format(Shape);
}
