using System.Reactive.Linq;
using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.Models.Wan;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>The README's C# example, line for line, on the fixture model (CPU, float32, smaller clip).</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task TheReadmeExampleRuns()
    {
        var lines = new List<string>();
        Tensor? saved = null;
        void Save(Tensor latents) => saved = latents.cpu().DetachFromDisposeScope();
        using var promptEmbeds = randn(1, 7, 24);
        using var negativeEmbeds = randn(1, 7, 24);
        var finished = new TaskCompletionSource();

        using var model = WanTransformer.Create(WanConfig.FromJson(WanTiny.ConfigPath), ScalarType.Float32, CPU);
        model.LoadWeights(WanTiny.WeightsPath);
        var schedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 5);
        var request = new DenoiseRequest(promptEmbeds, randn([1, 4, 5, 8, 8]), schedule, Guidance: 5, NegativeEmbeddings: negativeEmbeds);
        using var run = new VideoDenoiser(model).Denoise(request).Finally(finished.SetResult).Subscribe(e =>
        {
            if (e is EvaluationCompleted step) lines.Add($"{step.Index + 1}/{step.TotalEvaluations} {step.Kind} [{string.Join(",", step.ComputedFrames)}]");
            if (e is DenoiseCompleted done) using (done.Result) Save(done.Result.Latents);
        });

        await finished.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(12, lines.Count);
        Assert.StartsWith("1/12 Full [0,1,2,3,4]", lines[0]);
        Assert.Contains(lines, line => line.Contains("Active"));
        Assert.NotNull(saved);
        Assert.Equal([1L, 4, 5, 8, 8], saved!.shape);
        saved.Dispose();
    }
}
