using System.Text;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>What a checkpoint holds, for the <c>inspect</c> verb: its files, tensors, size and Wan key format.</summary>
/// <param name="Path">The file, index or directory inspected.</param>
/// <param name="Files">The safetensors files behind it.</param>
/// <param name="Tensors">Every tensor declaration, in file order.</param>
/// <param name="Metadata">The file or index metadata.</param>
/// <param name="WanFormat">The Wan key format, or null where the keys are not a Wan transformer's.</param>
public sealed record CheckpointSummary(
    string Path,
    IReadOnlyList<string> Files,
    IReadOnlyList<TensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    WanKeyFormat? WanFormat)
{
    /// <summary>The total size of the tensor data in bytes.</summary>
    public long TotalBytes => Tensors.Sum(t => t.ByteLength);

    /// <summary>Reads the headers of <paramref name="path"/>; no tensor data is read.</summary>
    public static CheckpointSummary Inspect(string path)
    {
        using var reader = CheckpointReader.Open(path);
        WanKeyFormat? format;
        try
        {
            format = WanKeys.Detect(reader.Keys);
        }
        catch (CheckpointException)
        {
            format = null;
        }

        return new CheckpointSummary(reader.Path, reader.Files, reader.Tensors, reader.Metadata, format);
    }

    /// <summary>A plain-text listing: one line per tensor with dtype, shape and bytes, then totals.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var tensor in Tensors)
        {
            text.AppendLine($"{tensor.Key}\t{tensor.DType}\t{tensor.ShapeText}\t{tensor.ByteLength}");
        }

        foreach (var (name, value) in Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"metadata {name} = {value}");
        }

        text.AppendLine($"{Tensors.Count} tensors, {TotalBytes} bytes in {Files.Count} file(s); Wan key format: {WanFormat?.ToString() ?? "not a Wan transformer"}");
        return text.ToString();
    }
}
