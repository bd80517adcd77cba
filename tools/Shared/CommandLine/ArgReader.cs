using System.Globalization;

namespace RhymeFlow.Tools.CommandLine;

/// <summary>
/// Reads <c>--name value</c> and <c>--flag</c> options. Each option is read once by name; <see cref="Finish"/> then
/// rejects anything left over, so typos are errors rather than silently ignored.
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> options = [];

    public ArgReader(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length == 2)
            {
                throw new UsageException($"expected an option (--name), got '{name}'");
            }

            string? value = null;
            if (!flags.Contains(name))
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option {name} needs a value");
                }

                value = args[++i];
            }

            if (!options.TryAdd(name, value))
            {
                throw new UsageException($"option {name} is given twice");
            }
        }
    }

    public string String(string name, string fallback) => Take(name) ?? fallback;

    public string? OptionalString(string name) => Take(name);

    public bool Flag(string name) => options.Remove(name);

    public int Int(string name, int fallback, int min, int max = int.MaxValue)
    {
        if (Take(name) is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException(max == int.MaxValue
                ? $"{name} must be an integer ≥ {min}, got '{text}'"
                : $"{name} must be an integer in {min}..{max}, got '{text}'");
        }

        return value;
    }

    public double Double(string name, double fallback)
    {
        if (Take(name) is not { } text)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"{name} must be a number, got '{text}'");
    }

    public T Choice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        if (Take(name) is not { } text)
        {
            return fallback;
        }

        return choices.TryGetValue(text, out var value)
            ? value
            : throw new UsageException($"{name} must be one of {string.Join(", ", choices.Keys)}, got '{text}'");
    }

    /// <summary>Fails on any option that no reader asked for.</summary>
    public void Finish()
    {
        if (options.Count > 0)
        {
            throw new UsageException($"unknown option{(options.Count > 1 ? "s" : "")} {string.Join(", ", options.Keys)}");
        }
    }

    private string? Take(string name) => options.Remove(name, out var value) ? value : null;
}
