using System.Diagnostics;
using System.Globalization;
using System.Text;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Train;

/// <summary>
/// Generates the held-out captions with a package under one or more schedules and reports what
/// <see cref="ClipEvaluator"/> finds: accuracies with 95% intervals, and PSNR/SSIM of each schedule against the first.
/// </summary>
internal static class EvalCommand
{
    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var modelDirectory = reader.OptionalString("--model") ?? throw new UsageException("eval needs --model DIR");
        var device = Shared.Device(reader);
        var dtype = SingleForward.ParseDType(reader.String("--dtype", "float32"));
        var steps = reader.Int("--steps", MiniVideoGenerator.DefaultSteps, 1);
        var guidance = reader.Double("--guidance", MiniVideoGenerator.DefaultGuidance);
        var scheduleNames = reader.String("--schedules", "dense").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var count = reader.Int("--count", HeldOutCaptions.Count, 1, HeldOutCaptions.Count);
        var sheetPath = reader.String("--sheet", Path.Combine(modelDirectory, "eval-sheet.png"));
        var sheetCount = reader.Int("--sheet-count", 12, 0, HeldOutCaptions.Count);
        var reportPath = reader.OptionalString("--report");
        reader.Finish();
        var schedules = scheduleNames.Select(name => (Name: name, Spec: Schedule(name, steps))).ToArray();
        if (schedules.Length == 0)
        {
            throw new UsageException("--schedules names no schedule");
        }

        using var model = MiniModel.Load(modelDirectory, device, dtype);
        var generator = new MiniVideoGenerator(model);
        var specs = HeldOutEvaluation.Subset(count);
        Console.WriteLine($"evaluating {Path.GetFullPath(modelDirectory)} on {count} held-out captions, {steps} steps, UniPC, shift 3, CFG {guidance}, {device}, {dtype}: {string.Join(", ", scheduleNames)}");

        var rows = new List<(string Name, AdherenceSummary Summary, double SecondsPerClip, double Psnr, double Ssim)>();
        List<VideoClip>? reference = null;
        foreach (var (name, schedule) in schedules)
        {
            var clips = new List<VideoClip>();
            var clock = Stopwatch.StartNew();
            var judgements = HeldOutEvaluation.RunAsync(generator, specs, schedule, guidance, (video, judgement) =>
            {
                clips.Add(video.Clip);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-9} {(judgement.AllCorrect ? "ok  " : "miss")} colour {Mark(judgement.ColourCorrect)} shape {Mark(judgement.ShapeCorrect)} motion {Mark(judgement.MotionCorrect)} speed {Mark(judgement.SpeedCorrect)} adherence {judgement.Adherence:F2}  {video.Caption} (seed {video.Seed}, {video.TotalElapsed.TotalSeconds:F1} s)"));
            }).GetAwaiter().GetResult();
            var seconds = clock.Elapsed.TotalSeconds / judgements.Count;
            var summary = AdherenceSummary.Of(judgements);
            reference ??= clips;
            var psnr = reference.Zip(clips, VideoMetrics.Psnr).Average();
            var ssim = reference.Zip(clips, VideoMetrics.Ssim).Average();
            rows.Add((name, summary, seconds, psnr, ssim));
            Console.WriteLine($"{name}: {summary.ToLine()}");
            if (ReferenceEquals(clips, reference) && sheetCount > 0)
            {
                PngWriter.Write(sheetPath, ContactSheet.FromClips(clips.Take(sheetCount).ToList(), frameStep: 3, scale: 2));
                Console.WriteLine($"contact sheet of the first {Math.Min(sheetCount, clips.Count)} {name} clips (every 3rd frame): {Path.GetFullPath(sheetPath)}");
            }
        }

        var table = Table(rows, scheduleNames[0]);
        Console.WriteLine(table);
        if (reportPath is not null)
        {
            File.WriteAllText(reportPath, table);
        }

        return 0;
    }

    private static ScheduleSpec Schedule(string name, int steps) => name.ToLowerInvariant() switch
    {
        "dense" => Schedules.Dense(steps, 3.0, SolverKind.UniPC),
        "rhymeflow" => Schedules.RhymeFlow(steps: steps, warmupSteps: Math.Max(1, (int)Math.Round(steps / 5.0, MidpointRounding.AwayFromZero))),
        _ => throw new UsageException($"--schedules: unknown schedule '{name}'; expected dense or rhymeflow"),
    };

    private static string Table(IEnumerable<(string Name, AdherenceSummary Summary, double SecondsPerClip, double Psnr, double Ssim)> rows, string reference)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| schedule | colour | shape | direction/motion | speed | all | PSNR vs {reference} (dB) | SSIM vs {reference} | s per clip |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, s, seconds, psnr, ssim) in rows)
        {
            var (psnrText, ssimText) = name == reference
                ? ("—", "—")
                : (psnr.ToString("F2", CultureInfo.InvariantCulture), ssim.ToString("F4", CultureInfo.InvariantCulture));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {s.Colour} | {s.Shape} | {s.Motion} | {s.Speed} | {s.All} | {psnrText} | {ssimText} | {seconds:F2} |");
        }

        return text.ToString();
    }

    private static char Mark(bool correct) => correct ? '+' : '-';
}
