using RhymeFlow.Core;
using RhymeFlow.Host.Execution;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class WanVideoPipelineTests
{
    [Fact]
    public async Task APromptBecomesAVideoThroughEveryComponent()
    {
        using var folder = new TinyPipelineFolder();
        using var pipeline = WanVideoPipeline.Load(folder.Path, CPU, ScalarType.Float32);
        var schedule = Schedules.RhymeFlow(steps: 6, warmupSteps: 2, keyframes: 2, minSkip: 2, maxSkip: 3, shift: pipeline.Folder.Scheduler.FlowShift);
        var events = 0;
        var progress = new Progress(() => events++);
        using var video = await pipeline.GenerateAsync(
            new WanVideoRequest("a red circle moving left", Frames: 5, Height: 16, Width: 16, Schedule: schedule, Seed: 3),
            progress);

        Assert.Equal([1L, 3, 5, 16, 16], video.Video.shape);
        Assert.Equal([1L, 4, 3, 4, 4], video.Latents.shape);
        Assert.Equal(6, events);
        Assert.True(video.Video.isfinite().all().item<bool>());
        Assert.True(video.Video.abs().max().item<float>() <= 1f);
        Assert.True(video.Video.std().item<float>() > 0f);
        Assert.Equal(video.Plan.Evaluations.Count, events);
    }

    [Fact]
    public void PromptsAreTrimmedToTheirLengthAndZeroPaddedTo512()
    {
        using var folder = new TinyPipelineFolder();
        using var pipeline = WanVideoPipeline.Load(folder.Path, CPU, ScalarType.Float32);
        using var embeddings = pipeline.EncodePrompts(["a red circle moving left", ""]);
        Assert.Equal([2L, 512, 32], embeddings.shape);

        // "a red circle moving left" is 5 pieces plus eos; the empty prompt is eos alone.
        Assert.True(embeddings[0, 5].abs().sum().item<float>() > 0);
        Assert.Equal(0f, embeddings[0, 6..].abs().sum().item<float>());
        Assert.Equal(0f, embeddings[1, 1..].abs().sum().item<float>());
    }

    [Fact]
    public void SizesThatTheVaeCannotProduceAreRejectedNamingTheField()
    {
        using var folder = new TinyPipelineFolder();
        using var pipeline = WanVideoPipeline.Load(folder.Path, CPU, ScalarType.Float32);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.LatentShape(new WanVideoRequest("x", Frames: 6, Height: 16, Width: 16)));
        Assert.Equal("Frames", error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.LatentShape(new WanVideoRequest("x", Frames: 5, Height: 12, Width: 16)));
        Assert.Equal("Height", error.ParamName);
    }

    private sealed class Progress(Action report) : IProgress<DenoiseEvent>
    {
        public void Report(DenoiseEvent value) => report();
    }
}
