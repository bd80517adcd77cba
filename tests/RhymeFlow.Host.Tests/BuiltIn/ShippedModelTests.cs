using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.BuiltIn;

/// <summary>
/// The committed weights of the built-in model, end to end: the package loads, and held-out captions generated with
/// fixed seeds show what they ask for. It breaks when the weights, the package codec or the sampling path break.
/// </summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class ShippedModelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Shipped_model_draws_the_right_colour_for_held_out_captions()
    {
        var clock = Stopwatch.StartNew();
        using var model = MiniModel.LoadDefault();
        Assert.Equal(MiniModelConfig.Mini, model.Config);
        var generator = new MiniVideoGenerator(model);
        var specs = HeldOutEvaluation.Subset(4);
        var judgements = await HeldOutEvaluation.RunAsync(
            generator,
            specs,
            MiniVideoGenerator.DefaultSchedule,
            MiniVideoGenerator.DefaultGuidance,
            (video, judgement) => output.WriteLine(
                $"{video.Caption} (seed {video.Seed}): found {string.Join(", ", judgement.Analysis.Objects.Select(o => $"{o.Colour} {o.Shape} {o.Motion}"))}; colour {(judgement.ColourCorrect ? "right" : "wrong")}"));
        output.WriteLine($"{AdherenceSummary.Of(judgements).ToLine()}; {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(judgements.Count(j => j.ColourCorrect) >= 3, $"the colour should be right on at least 3 of 4 held-out captions: {AdherenceSummary.Of(judgements).ToLine()}");
    }
}
