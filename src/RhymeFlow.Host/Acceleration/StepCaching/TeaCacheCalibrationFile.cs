using System.Globalization;
using System.Text.Json;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>
/// A model's TeaCache calibration as <c>teacache.json</c> beside its weights: the fitted polynomial and how it was
/// made (probe steps, captions, date, the command that reproduces it).
/// </summary>
/// <param name="Coefficients">The rescale polynomial, highest power first.</param>
/// <param name="RSquared">The fit's R² on its samples.</param>
/// <param name="Samples">(input, output) pairs fitted.</param>
/// <param name="Steps">Sampling steps of the dense probe runs.</param>
/// <param name="Captions">Captions probed.</param>
/// <param name="Date">When it was made (ISO 8601, UTC).</param>
/// <param name="Command">The command that made it.</param>
public sealed record TeaCacheCalibrationFile(
    IReadOnlyList<double> Coefficients,
    double RSquared,
    int Samples,
    int Steps,
    int Captions,
    string Date,
    string Command)
{
    public const string FileName = "teacache.json";

    /// <summary>Writes the file atomically: a reader sees the old calibration or the new one, never half of one.</summary>
    public void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WritePropertyName("coefficients");
            writer.WriteStartArray();
            foreach (var c in Coefficients)
            {
                writer.WriteNumberValue(c);
            }

            writer.WriteEndArray();
            writer.WriteNumber("r_squared", RSquared);
            writer.WriteNumber("samples", Samples);
            writer.WriteNumber("steps", Steps);
            writer.WriteNumber("captions", Captions);
            writer.WriteString("date", Date);
            writer.WriteString("command", Command);
            writer.WriteEndObject();
        });
    }

    /// <summary>The calibration at <paramref name="path"/>, or null when there is no such file.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a calibration (names the file and the field).</exception>
    public static TeaCacheCalibrationFile? ReadIfPresent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "expected a JSON object");
            }

            if (!root.TryGetProperty("coefficients", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() is 0 or > 16)
            {
                throw Bad(path, "\"coefficients\" must be an array of 1 to 16 numbers (highest power first)");
            }

            var coefficients = array.EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var v) && double.IsFinite(v) ? v : throw Bad(path, "\"coefficients\" holds a value that is not a finite number"))
                .ToArray();
            return new TeaCacheCalibrationFile(
                coefficients,
                Number(root, "r_squared", path),
                (int)Number(root, "samples", path),
                (int)Number(root, "steps", path),
                (int)Number(root, "captions", path),
                Text(root, "date", path),
                Text(root, "command", path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); delete it or rerun calibrate-teacache.", e);
        }
    }

    private static double Number(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
            ? number
            : throw Bad(path, $"\"{name}\" must be a finite number");

    private static string Text(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? string.Empty
            : throw Bad(path, $"\"{name}\" must be a string");

    private static InvalidDataException Bad(string path, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}: not a TeaCache calibration: {problem}. Delete it or rerun calibrate-teacache."));
}
