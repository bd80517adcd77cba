using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>The safetensors dtype names this reader understands, with their TorchSharp types and sizes.</summary>
internal static class SafetensorsDType
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>The names accepted, for error messages.</summary>
    public static string KnownNames => string.Join(", ", ByName.Keys);

    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        if (ByName.TryGetValue(name, out var known))
        {
            (type, size) = known;
            return true;
        }

        (type, size) = (default, 0);
        return false;
    }

    public static bool TryGetName(ScalarType type, out string name, out int size)
    {
        foreach (var (key, value) in ByName)
        {
            if (value.Type == type)
            {
                (name, size) = (key, value.Size);
                return true;
            }
        }

        (name, size) = (string.Empty, 0);
        return false;
    }
}
