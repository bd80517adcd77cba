using System.Globalization;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Train;

/// <summary>Generates the held-out captions with a package and reports what <see cref="ClipEvaluator"/> finds.</summary>
internal static class EvalCommand
{
    public static int Run(string[] args)
    {
        var reader = new ArgReader(args, Shared.NoFlags);
        var modelDirectory = reader.OptionalString("--model") ?? throw new UsageException("eval needs --model DIR");
        var device = Shared.Device(reader);
        var dtype = SingleForward.ParseDType(reader.String("--dtype", "float32"));
        var steps = reader.Int("--steps", 30, 1);
        var solver = reader.Choice("--solver", SolverKind.UniPC, Shared.Solvers);
        var shift = reader.Double("--shift", 3);
        var guidance = reader.Double("--guidance", MiniVideoGenerator.DefaultGuidance);
        var count = reader.Int("--count", HeldOutCaptions.Count, 1, HeldOutCaptions.Count);
        var sheetPath = reader.String("--sheet", Path.Combine(modelDirectory, "eval-sheet.png"));
        var sheetCount = reader.Int("--sheet-count", 12, 0, HeldOutCaptions.Count);
        reader.Finish();

        using var model = MiniModel.Load(modelDirectory, device, dtype);
        var generator = new MiniVideoGenerator(model);
        var schedule = Schedules.Dense(steps, shift, solver);
        Console.WriteLine($"evaluating {Path.GetFullPath(modelDirectory)} on {count} held-out captions: dense {steps} steps, {solver}, shift {shift}, CFG {guidance}, {device}, {dtype}");

        var judgements = new List<ClipJudgement>();
        var clips = new List<VideoClip>();
        foreach (var spec in HeldOutCaptions.Specs.Take(count))
        {
            var caption = Caption.Render(spec);
            var video = generator.GenerateAsync(caption, spec.Seed, schedule, guidance).GetAwaiter().GetResult();
            var judgement = ClipEvaluator.Evaluate(video.Clip, spec);
            judgements.Add(judgement);
            if (clips.Count < sheetCount)
            {
                clips.Add(video.Clip);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(judgement.AllCorrect ? "ok  " : "miss")} colour {Mark(judgement.ColourCorrect)} shape {Mark(judgement.ShapeCorrect)} motion {Mark(judgement.MotionCorrect)} speed {Mark(judgement.SpeedCorrect)} adherence {judgement.Adherence:F2}  {caption} (seed {spec.Seed}, {video.TotalElapsed.TotalSeconds:F1} s)"));
        }

        double Rate(Func<ClipJudgement, bool> pick) => judgements.Count(pick) / (double)judgements.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accuracy over {judgements.Count}: colour {Rate(j => j.ColourCorrect):P1}, shape {Rate(j => j.ShapeCorrect):P1}, direction/motion {Rate(j => j.MotionCorrect):P1}, speed {Rate(j => j.SpeedCorrect):P1}, count {Rate(j => j.CountCorrect):P1}, all {Rate(j => j.AllCorrect):P1}; mean adherence {judgements.Average(j => j.Adherence):F3}"));
        if (clips.Count > 0)
        {
            PngWriter.Write(sheetPath, ContactSheet.FromClips(clips, frameStep: 3, scale: 2));
            Console.WriteLine($"contact sheet of the first {clips.Count} clips (every 3rd frame): {Path.GetFullPath(sheetPath)}");
        }

        return 0;
    }

    private static char Mark(bool correct) => correct ? '+' : '-';
}
