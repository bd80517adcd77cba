using System.Text.Json;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Checks what System.Text.Json lets through in the keys of a parsed document: a key declared twice in one object
/// (lookups see the last value, as Python's json does, but which one the writer meant is unknown, and readers that
/// enumerate the object into a dictionary throw ArgumentException on it), and a key whose escape is a lone surrogate
/// (which every later lookup in that object throws InvalidOperationException on). The config readers refuse both
/// up front, as <see cref="SafetensorsHeader"/> refuses duplicate tensor names.
/// </summary>
internal static class JsonKeys
{
    /// <summary>What is wrong with the keys of <paramref name="root"/>, e.g. "the object in 'id2label' declares 'LABEL_1' twice"; null when nothing is.</summary>
    public static string? Problem(JsonElement root) => Problem(root, null, [], 0);

    /// <param name="element">The value to check, with everything inside it.</param>
    /// <param name="key">The key of the nearest enclosing object member, for messages; null at the top level.</param>
    /// <param name="seen">One set of names per nesting depth, reused from object to object at that depth.</param>
    /// <param name="depth">The nesting depth of <paramref name="element"/>; JsonDocument bounds it (64 by default).</param>
    private static string? Problem(JsonElement element, string? key, List<HashSet<string>> seen, int depth)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (Problem(item, key, seen, depth + 1) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        while (seen.Count <= depth)
        {
            seen.Add(new HashSet<string>(StringComparer.Ordinal));
        }

        var names = seen[depth];
        names.Clear();
        foreach (var property in element.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                return $"{Where()} has a key that is not text (an escaped lone surrogate)";
            }

            if (!names.Add(name))
            {
                return $"{Where()} declares '{name}' twice";
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                && Problem(property.Value, name, seen, depth + 1) is { } problem)
            {
                return problem;
            }
        }

        return null;

        string Where() => key is null ? "the top-level object" : $"the object in '{key}'";
    }
}
