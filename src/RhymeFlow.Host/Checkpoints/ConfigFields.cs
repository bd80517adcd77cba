using System.Text.Json;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Typed access to the fields of one model config (diffusers or transformers <c>config.json</c>), with errors that
/// name the source and the field. Absent fields and JSON nulls read as missing, as diffusers then uses its default.
/// </summary>
internal readonly struct ConfigFields(string source, JsonElement root)
{
    /// <summary>Parses a config file and hands its root to <paramref name="parse"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What it configures, for the not-found message (e.g. "Wan VAE config").</param>
    /// <param name="parse">Reads the root element; <paramref name="path"/> is its source in messages.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or an object declares a key twice (see <see cref="JsonKeys"/>).</exception>
    public static T ReadFile<T>(string path, string what, Func<JsonElement, string, T> parse)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what} not found: {path}", path);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (JsonKeys.Problem(document.RootElement) is { } problem)
            {
                throw new InvalidDataException($"{path}: {problem}");
            }

            return parse(document.RootElement, path);
        }
    }

    public int Int(string name, int fallback) => OptionalInt(name) ?? fallback;

    public int RequiredInt(string name) =>
        OptionalInt(name) ?? throw new InvalidDataException($"{source}: required field '{name}' is missing");

    public int? OptionalInt(string name) =>
        Get(name) is { } value
            ? TryInt(value, out var result) ? result : throw Bad(name, "an integer", value)
            : null;

    public double Double(string name, double fallback) => OptionalDouble(name) ?? fallback;

    public double? OptionalDouble(string name) =>
        Get(name) is { } value
            ? TryDouble(value, out var result) ? result : throw Bad(name, "a number", value)
            : null;

    public bool Bool(string name, bool fallback) =>
        Get(name) is { } value
            ? TryBool(value, out var result) ? result : throw Bad(name, "true or false", value)
            : fallback;

    public string String(string name, string fallback) => OptionalString(name) ?? fallback;

    public string? OptionalString(string name) =>
        Get(name) is { } value
            ? value.ValueKind == JsonValueKind.String && TryString(value, out var text) ? text : throw Bad(name, "a string", value)
            : null;

    public int[]? IntArray(string name) => Array<int>(name, "an array of integers", TryInt);

    public double[]? DoubleArray(string name) => Array<double>(name, "an array of numbers", TryDouble);

    public bool[]? BoolArray(string name) => Array<bool>(name, "an array of true/false", TryBool);

    /// <summary>The field's value, or null where it is absent or JSON null.</summary>
    public JsonElement? Get(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private T[]? Array<T>(string name, string expected, ItemReader<T> read)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Bad(name, expected, value);
        }

        var items = new List<T>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(read(item, out var parsed) ? parsed : throw Bad(name, expected, value));
        }

        return [.. items];
    }

    private InvalidDataException Bad(string name, string expected, JsonElement value)
    {
        // A hostile value can be megabytes long; the start says enough.
        var raw = value.GetRawText();
        return new($"{source}: field '{name}' must be {expected}, got {(raw.Length > 80 ? raw[..80] + "…" : raw)}");
    }

    /// <summary>The string, or false where it holds an escaped lone surrogate, which GetString refuses by throwing.</summary>
    internal static bool TryString(JsonElement e, out string value)
    {
        try
        {
            value = e.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = string.Empty;
            return false;
        }
    }

    private static bool TryInt(JsonElement e, out int value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out value);
    }

    private static bool TryDouble(JsonElement e, out double value)
    {
        // System.Text.Json reads 1e309 as infinity; no config field means that.
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out value) && double.IsFinite(value);
    }

    private static bool TryBool(JsonElement e, out bool value)
    {
        value = e.ValueKind == JsonValueKind.True;
        return e.ValueKind is JsonValueKind.True or JsonValueKind.False;
    }

    private delegate bool ItemReader<T>(JsonElement element, out T value);
}
