using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// The parsed and fully validated JSON header of a safetensors file, as strict as the reference
/// implementation: UTF-8 JSON, every entry's size matching its dtype and shape, and the entries, sorted by
/// offset, tiling the data section exactly (no overlap, no unused gap, nothing after the last tensor).
/// Duplicate keys are refused too, although the reference keeps the last one: with duplicates, two
/// readers of one file can see different tensors. Nothing here trusts a number from the file: every size
/// is checked with overflow-safe arithmetic before anything is allocated from it.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Headers above this size are refused, as by the reference implementation: real ones are a few megabytes at most.</summary>
    public const long MaxHeaderLength = 100_000_000;

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
        CheckUtf8(json.Span, file);
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

        CheckTiling(entries, dataLength, file);
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

        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!fields.Add(field.Name))
            {
                throw new CheckpointException($"{file}: tensor '{key}' declares '{field.Name}' twice.");
            }
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

    /// <summary>
    /// The reference's <c>Metadata::validate</c> and its end-of-buffer check: sorted by (begin, end), each
    /// tensor starts where the previous one ended, the first at 0 and the last ending at the end of the file.
    /// </summary>
    private static void CheckTiling(List<SafetensorsEntry> entries, long dataLength, string file)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (var current in sorted)
        {
            if (current.Begin < expected)
            {
                throw new CheckpointException(
                    $"{file}: tensors '{previous!.Info.Key}' [{previous.Begin}, {previous.End}] and '{current.Info.Key}' [{current.Begin}, {current.End}] have overlapping data_offsets.");
            }

            if (current.Begin > expected)
            {
                var after = previous is null ? "the start of the data section" : $"the end of tensor '{previous.Info.Key}' [{previous.Begin}, {previous.End}]";
                throw new CheckpointException(
                    $"{file}: tensor '{current.Info.Key}' has data_offsets [{current.Begin}, {current.End}], leaving a hole of {current.Begin - expected} unused bytes after {after}: expected it to start at {expected} (tensors must tile the data section exactly).");
            }

            expected = current.End;
            previous = current;
        }

        if (expected != dataLength)
        {
            var last = previous is null ? "the header declares no tensor" : $"the last tensor '{previous.Info.Key}' ends at {expected}";
            throw new CheckpointException(
                $"{file}: the data section is {dataLength} bytes but {last}: {dataLength - expected} trailing bytes; expected the file to end where the last tensor ends.");
        }
    }

    private static void CheckUtf8(ReadOnlySpan<byte> json, string file)
    {
        // Checked up front: System.Text.Json only decodes the strings it is asked for, so invalid bytes in an
        // unread field would pass, while the reference refuses the whole header.
        if (!Utf8.IsValid(json))
        {
            var offset = 0;
            while (Rune.DecodeFromUtf8(json[offset..], out _, out var consumed) == OperationStatus.Done)
            {
                offset += consumed;
            }

            throw new CheckpointException($"{file}: the safetensors header is not valid UTF-8: byte {offset} of the header (0x{json[offset]:X2}) does not start a valid UTF-8 sequence.");
        }

        // The reference's JSON parser refuses a byte-order mark; System.Text.Json would skip it.
        if (json.StartsWith("\uFEFF"u8))
        {
            throw new CheckpointException($"{file}: the safetensors header starts with a UTF-8 byte-order mark; expected the JSON object itself.");
        }
    }

    private static string Describe(JsonElement item)
    {
        var raw = item.GetRawText();
        var text = raw.Length > 40 ? raw[..40] + "…" : raw;
        return $"{item.ValueKind} {text}";
    }
}
