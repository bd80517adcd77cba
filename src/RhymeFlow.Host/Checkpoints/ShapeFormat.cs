namespace RhymeFlow.Host.Checkpoints;

/// <summary>Shapes written the way PyTorch users read them.</summary>
internal static class ShapeFormat
{
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
