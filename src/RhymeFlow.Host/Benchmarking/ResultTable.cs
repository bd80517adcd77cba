using System.Text;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>A small table printed aligned on the console and appended as Markdown.</summary>
public sealed class ResultTable(params string[] columns)
{
    private readonly List<string[]> rows = [];

    /// <summary>Adds a row; one cell per column.</summary>
    public void Add(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"expected {columns.Length} cells, got {cells.Length}", nameof(cells));
        }

        rows.Add(cells);
    }

    /// <summary>How many rows were added.</summary>
    public int Count => rows.Count;

    /// <summary>The cell of <paramref name="row"/> under <paramref name="column"/>.</summary>
    public string Cell(int row, string column) => rows[row][Array.IndexOf(columns, column)];

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<string> Columns => columns;

    /// <summary>Aligned plain text: header, rule, rows.</summary>
    public string ToConsole()
    {
        var widths = columns.Select((c, i) => rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(columns);
        Line([.. widths.Select(w => new string('-', w))]);
        rows.ForEach(Line);
        return text.ToString();
    }

    /// <summary>A Markdown table, numbers right-aligned.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", columns)} |");
        text.AppendLine($"|{string.Concat(columns.Select((_, i) => i == 0 ? "---|" : "---:|"))}");
        foreach (var row in rows)
        {
            text.AppendLine($"| {string.Join(" | ", row)} |");
        }

        return text.ToString();
    }
}
