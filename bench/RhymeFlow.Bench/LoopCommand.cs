using RhymeFlow.Host.Benchmarking;

namespace RhymeFlow.Bench;

/// <summary>
/// <c>loop</c>: the front end of <see cref="LoopBenchmark"/> (whole denoising loops with random weights: dense,
/// RhymeFlow with either context, fewer steps), printing its table and notes and appending them as Markdown.
/// </summary>
internal static class LoopCommand
{
    public static int Run(LoopOptions options, IReadOnlyList<string> commandLine)
    {
        if (options.PlanOnly)
        {
            var plans = LoopBenchmark.PlanTable(options.Settings, out var fewerNote);
            Console.Write(plans.ToConsole());
            if (fewerNote is not null)
            {
                Console.WriteLine(fewerNote);
            }

            return 0;
        }

        var report = LoopBenchmark.Run(options.Settings, Console.Out);
        Console.WriteLine();
        Console.Write(report.Table.ToConsole());
        Console.WriteLine();
        foreach (var note in report.Notes)
        {
            Console.WriteLine(note);
        }

        if (options.Markdown is { } path)
        {
            var command = "RhymeFlow.Bench " + string.Join(' ', commandLine.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
            File.AppendAllText(path, report.ToMarkdown(command));
            Console.WriteLine($"appended to {path}");
        }

        return 0;
    }
}
