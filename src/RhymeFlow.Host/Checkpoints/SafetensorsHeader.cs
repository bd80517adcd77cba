using System.Text.Json;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// The parsed and fully validated JSON header of a safetensors file. Nothing here trusts a number from
/// the file: every size is checked with overflow-safe arithmetic before anything is allocated from it.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Headers above this size are refused: real ones are a few megabytes at most.</summary>
    public const long MaxHeaderLength = 100L * 1024 * 1024;

    private const string MetadataKey = "__metadata__";
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };

    private SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        ByKey = entries.ToDictionary(e => e.Info.Key, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>The entries in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, SafetensorsEntry> ByKey { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses <paramref name="json"/> and checks every entry against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlyMemory<byte> json, long dataLength, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ParseOptions);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{file}: the safetensors header ({json.Length} bytes) is not valid JSON: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            // Invalid UTF-8 surfaces as an ArgumentException from the transcoder in some paths.
            throw new CheckpointException($"{file}: the safetensors header ({json.Length} bytes) is not valid UTF-8 JSON: {e.Message}", e);
        }

        using (document)
        {
            try
            {
                return FromDocument(document.RootElement, dataLength, file);
            }
            catch (InvalidOperationException e)
            {
                // Strings that are not valid UTF-8 only fail when read.
                throw new CheckpointException($"{file}: the safetensors header holds a string that cannot be decoded: {e.Message}", e);
            }
        }
    }

    private static SafetensorsHeader FromDocument(JsonElement root, long dataLength, string file)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{file}: the safetensors header must be a JSON object, found {root.ValueKind}.");
        }

        var entries = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new CheckpointException($"{file}: the safetensors header declares '{property.Name}' twice.");
            }

            if (property.Name == MetadataKey)
            {
                metadata = ParseMetadata(property.Value, file);
            }
            else
            {
                entries.Add(ParseEntry(property.Name, property.Value, dataLength, file));
            }
        }

        CheckNoOverlap(entries, file);
        return new SafetensorsHeader(entries, metadata);
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{file}: '{MetadataKey}' must be an object of strings, found {value.ValueKind}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException($"{file}: '{MetadataKey}' entry '{item.Name}' must be a string, found {item.Value.ValueKind}.");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new CheckpointException($"{file}: '{MetadataKey}' declares '{item.Name}' twice.");
            }
        }

        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string key, JsonElement value, long dataLength, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"{file}: tensor '{key}': the entry must be an object with dtype, shape and data_offsets, found {value.ValueKind}.");
        }

        var dtype = value.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()!
            : throw new CheckpointException($"{file}: tensor '{key}': 'dtype' is missing or not a string.");
        if (!SafetensorsDType.TryParse(dtype, out var scalarType, out var elementSize))
        {
            throw new CheckpointException($"{file}: tensor '{key}' has dtype '{dtype}', which this reader does not support (known: {SafetensorsDType.KnownNames}).");
        }

        var shape = ReadIntegers(value, "shape", key, file, expectedCount: null);
        var offsets = ReadIntegers(value, "data_offsets", key, file, expectedCount: 2);
        var (begin, end) = (offsets[0], offsets[1]);
        var shapeText = ShapeFormat.Format(shape);
        if (begin > end || end > dataLength)
        {
            throw new CheckpointException(
                $"{file}: tensor '{key}' ({dtype} {shapeText}) has data_offsets [{begin}, {end}], which must satisfy begin <= end <= {dataLength} (the size of the data section).");
        }

        var byteLength = CheckedByteLength(shape, elementSize)
            ?? throw new CheckpointException($"{file}: tensor '{key}' declares shape {shapeText} of {dtype}, whose size in bytes overflows a 64-bit integer.");
        if (byteLength != end - begin)
        {
            throw new CheckpointException(
                $"{file}: tensor '{key}' ({dtype} {shapeText}) needs {byteLength} bytes, but its data_offsets [{begin}, {end}] hold {end - begin}.");
        }

        var info = new TensorInfo(key, dtype, scalarType, shape, byteLength, file);
        return new SafetensorsEntry(info, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string name, string key, string file, int? expectedCount)
    {
        if (!value.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException($"{file}: tensor '{key}': '{name}' is missing or not an array.");
        }

        var count = array.GetArrayLength();
        if (expectedCount is { } expected && count != expected)
        {
            throw new CheckpointException($"{file}: tensor '{key}': '{name}' must have {expected} elements, found {count}.");
        }

        var result = new long[count];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
            {
                throw new CheckpointException($"{file}: tensor '{key}': '{name}' element {i} is {Describe(item)}, expected a non-negative 64-bit integer.");
            }

            result[i++] = number;
        }

        return result;
    }

    /// <summary>The byte size of a shape, or null where the product overflows.</summary>
    internal static long? CheckedByteLength(IReadOnlyList<long> shape, int elementSize)
    {
        // A zero anywhere makes the product zero even when the others would overflow.
        if (shape.Any(dim => dim == 0))
        {
            return 0;
        }

        long product = elementSize;
        foreach (var dim in shape)
        {
            if (dim < 0 || product > long.MaxValue / dim)
            {
                return null;
            }

            product *= dim;
        }

        return product;
    }

    private static void CheckNoOverlap(List<SafetensorsEntry> entries, string file)
    {
        // Empty tensors occupy no bytes, so they cannot overlap anything.
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            var (previous, current) = (sorted[i - 1], sorted[i]);
            if (current.Begin < previous.End)
            {
                throw new CheckpointException(
                    $"{file}: tensors '{previous.Info.Key}' [{previous.Begin}, {previous.End}] and '{current.Info.Key}' [{current.Begin}, {current.End}] have overlapping data_offsets.");
            }
        }
    }

    private static string Describe(JsonElement item)
    {
        var raw = item.GetRawText();
        var text = raw.Length > 40 ? raw[..40] + "…" : raw;
        return $"{item.ValueKind} {text}";
    }
}
