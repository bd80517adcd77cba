using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace RhymeFlow.Host.Tests.TestSupport;

/// <summary>
/// Seeded mutations of valid inputs for hostile-input tests: byte-level damage (truncation, bit flips, inserted,
/// deleted and repeated bytes, invalid UTF-8) and JSON-level damage (hostile numbers, wrong types, huge strings and
/// arrays, deep nesting, removed and duplicated keys).
/// </summary>
internal static class HostileMutations
{
    private const string Placeholder = "__hostile_placeholder_7f3a__";

    /// <summary>Duplicate keys fail the parse (JsonException) instead of the later enumeration (ArgumentException).</summary>
    private static readonly System.Text.Json.JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false };

    /// <summary>Values that parsers get wrong: out-of-range and non-integral numbers, other JSON types, bad strings, size and depth bombs.</summary>
    private static readonly string[] Literals =
    [
        "-1", "0", "-0", "0.0", "1.5", "1e309", "-1e309", "1e-400", "3", "65536", "1048576", "2147483647", "2147483648", "-2147483649",
        "9223372036854775808", "18446744073709551616", "null", "true", "false", "\"\"", "\"x\"", "\"\\ud800\"", "\"\\u0000\"", "[]", "{}",
        "[1,2,3]", "{\"a\":1}", "[-1]", "[1e309]",
        "\"" + new string('a', 100_000) + "\"",
        "[" + string.Join(",", Enumerable.Repeat("1", 50_000)) + "]",
        new string('[', 5_000) + new string(']', 5_000),
        string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000),
    ];

    /// <summary>One to three byte-level mutations of <paramref name="input"/>.</summary>
    public static byte[] Bytes(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(7))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when at < bytes.Count:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at));
                    break;
                case 4 when at < bytes.Count:
                    {
                        // A repeated slice: a field or element seen twice.
                        var length = Math.Min(random.Next(1, 256), bytes.Count - at);
                        bytes.InsertRange(at, bytes.GetRange(at, length));
                        break;
                    }

                case 5:
                    bytes.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                    break;
                default:
                    // Bytes that are never valid UTF-8.
                    bytes.InsertRange(at, random.Next(2) == 0 ? [0xC3, 0x28] : [0xED, 0xA0, 0x80]);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>One or two JSON-level mutations of <paramref name="json"/>, sometimes followed by byte-level damage.</summary>
    public static byte[] Json(Random random, string json)
    {
        var text = json;
        for (var m = random.Next(1, 3); m > 0; m--)
        {
            text = MutateJson(random, text);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        return random.Next(5) == 0 ? Bytes(random, bytes) : bytes;
    }

    /// <summary>
    /// One mutation of <paramref name="json"/>, or <paramref name="json"/> itself where an earlier mutation left a
    /// document that JsonNode cannot round-trip: a key declared twice (which JsonNode tolerates until it enumerates
    /// the object, and then throws ArgumentException from its dictionary) or an escaped lone surrogate (which
    /// ToJsonString throws InvalidOperationException on). That document is hostile enough as it is.
    /// </summary>
    private static string MutateJson(Random random, string json)
    {
        try
        {
            return MutateTree(random, JsonNode.Parse(json, documentOptions: DocumentOptions), json);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return json;
        }
    }

    private static string MutateTree(Random random, JsonNode? root, string json)
    {
        var slots = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, slots);
        if (root is null || slots.Count == 0)
        {
            return json;
        }

        var (parent, name, index) = slots[random.Next(slots.Count)];
        var literal = Literals[random.Next(Literals.Length)];
        switch (random.Next(4))
        {
            case 0 when name is not null:
                parent.AsObject().Remove(name);
                return root.ToJsonString();
            case 1 when name is not null:
                {
                    // The same key again with another value: placeholders survive serialization, then become the duplicate.
                    parent.AsObject()[Placeholder] = Placeholder;
                    var text = root.ToJsonString();
                    return text.Replace($"\"{Placeholder}\":\"{Placeholder}\"", $"{System.Text.Json.JsonSerializer.Serialize(name)}:{literal}", StringComparison.Ordinal);
                }

            case 2 when parent.GetValueKind() == System.Text.Json.JsonValueKind.Array:
                parent.AsArray().Add(JsonValue.Create(random.Next(0, 5).ToString(CultureInfo.InvariantCulture)));
                return root.ToJsonString();
            default:
                if (name is not null)
                {
                    parent.AsObject()[name] = Placeholder;
                }
                else
                {
                    parent.AsArray()[index] = Placeholder;
                }

                return root.ToJsonString().Replace($"\"{Placeholder}\"", literal, StringComparison.Ordinal);
        }
    }

    private static void Collect(JsonNode? node, List<(JsonNode Parent, string? Name, int Index)> slots)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    slots.Add((obj, name, -1));
                    Collect(child, slots);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, null, i));
                    Collect(array[i], slots);
                }

                break;
            default:
                break;
        }
    }
}
