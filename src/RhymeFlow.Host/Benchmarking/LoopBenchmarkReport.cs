using System.Globalization;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// What <see cref="LoopBenchmark.Run"/> measured: one table of times and ratios against dense (all rows of the same
/// run) next to the cost model's predicted ratios, and the notes that explain them.
/// </summary>
public sealed class LoopBenchmarkReport
{
    /// <summary>The column holding each row's measured ratio against dense.</summary>
    public const string RatioColumn = "measured ratio vs dense";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    internal LoopBenchmarkReport(
        LoopBenchmarkSettings settings,
        IReadOnlyList<LoopBenchmarkRow> rows,
        IReadOnlyList<string> header,
        BenchDevice device,
        MemoryProbe memory,
        IReadOnlyList<string> notes)
    {
        Settings = settings;
        Rows = rows;
        Header = header;
        Notes = notes;
        DeviceDescription = device.Describe();
        var dense = rows.FirstOrDefault(r => r.Key == "dense");
        var denseMedian = dense?.MedianSeconds;
        Table = new ResultTable(
            "row", "evaluations (full/active)", "loop s (median)", "min..max s", RatioColumn, "predicted ratio",
            "ratio / predicted", $"peak mem above baseline ({(device.IsCuda ? "NVML" : "RSS")})", "context MiB (measured / predicted)");
        foreach (var row in rows)
        {
            var median = row.MedianSeconds;
            var ratio = denseMedian is { } d ? d / median : (double?)null;
            var predicted = row.Predicted.Speedup;
            Table.Add(
                $"{row.Name} ({row.Detail})",
                $"{row.Full}/{row.Active}",
                median.ToString("0.00", Inv),
                $"{row.Seconds.Min().ToString("0.00", Inv)}..{row.Seconds.Max().ToString("0.00", Inv)}",
                ratio is { } r ? r.ToString("0.00", Inv) + "x" : "–",
                predicted.ToString("0.00", Inv) + "x",
                ratio is { } r2 ? (r2 / predicted).ToString("0.00", Inv) : "–",
                row.Peak is { } peak ? memory.AboveBaseline(peak) : "–",
                $"{LoopBenchmark.Mib(row.ContextBytes)} / {LoopBenchmark.Mib((long)row.Predicted.PeakContextBytes)}");
        }
    }

    /// <summary>The settings that ran.</summary>
    public LoopBenchmarkSettings Settings { get; }

    /// <summary>The rows, in table order, with their measurements.</summary>
    public IReadOnlyList<LoopBenchmarkRow> Rows { get; }

    /// <summary>The lines describing model, geometry, sampling, dtype, device and timing.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The result table.</summary>
    public ResultTable Table { get; }

    /// <summary>The notes under the table; lines starting with two spaces belong to the line above.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The device line.</summary>
    public string DeviceDescription { get; }

    /// <summary>The table and the notes as console text.</summary>
    public string ToConsole() => Table.ToConsole() + Environment.NewLine + string.Join(Environment.NewLine, Notes) + Environment.NewLine;

    /// <summary>A Markdown section: a dated heading, the command, the table and the notes as a list.</summary>
    /// <param name="command">The command line that produced the run, shown in backticks.</param>
    public string ToMarkdown(string command) => $"""

        #### {DateTime.Now:yyyy-MM-dd} loop, {Settings.Model.Name}, {BenchDevice.Name(Settings.DType)}, {DeviceDescription}

        `{command}`

        {Table.ToMarkdown()}
        {string.Join("\n", Notes.Select(n => n.Length == 0 ? "" : n.StartsWith("  ", StringComparison.Ordinal) ? "  - " + n.TrimStart() : "- " + n))}

        """;
}
