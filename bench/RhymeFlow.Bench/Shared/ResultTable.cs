using System.Text;

namespace RhymeFlow.Bench.Shared;

/// <summary>A small table printed aligned on the console and appended as Markdown.</summary>
internal sealed class ResultTable(params string[] columns)
{
    private readonly List<string[]> rows = [];

    public void Add(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"expected {columns.Length} cells, got {cells.Length}", nameof(cells));
        }

        rows.Add(cells);
    }

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
