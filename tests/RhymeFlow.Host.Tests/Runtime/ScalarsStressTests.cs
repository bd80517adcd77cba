using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.BuiltIn.Training;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Runtime;

/// <summary>
/// Training steps and denoising forwards of the tiny built-in model while another thread forces collections and
/// finalizers without pause.
/// </summary>
/// <remarks>
/// A Scalar that nothing holds can be finalized, and its native value freed, while libtorch is still reading it; in
/// training runs that surfaced as <c>ExternalException ... toFloat at c10/core/Scalar.h</c> (AdamW's
/// <c>add_(Scalar)</c>, the block's <c>hidden + ...</c>). Small tensors keep each native call short, so the loop
/// passes many Scalars a second through the window in which a collection could free one (under the same pressure,
/// <c>c = a + b; c.add_(1e-8)</c> on small tensors failed after about 30,000 iterations, a few seconds). The iteration
/// count keeps the test to seconds on CI. Seeds global torch state, so it runs in the built-in training collection.
/// </remarks>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class ScalarsStressTests(ITestOutputHelper output)
{
    private const int Iterations = 150;
    private const int GenerateEvery = 75;
    private static readonly ScheduleSpec Schedule = Schedules.RhymeFlow(steps: 6, warmupSteps: 2, keyframes: 2, minSkip: 2, maxSkip: 3);

    [Fact]
    public async Task Training_and_denoising_survive_constant_collections()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 7);
        model.train();
        using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        using var generator = new Generator(11, CPU);
        using var clean = randn([2, SpaceToDepthCodec.LatentChannels, 2, 4, 4], generator: generator);
        using var noise = randn(clean.shape, generator: generator);
        string[] captions = ["a red circle moving right", string.Empty];

        using var stop = new CancellationTokenSource();
        var collections = 0L;
        var generations = 0;
        var videos = new MiniVideoGenerator(model);
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        })
        {
            IsBackground = true,
            Name = "GC pressure",
        };

        var clock = Stopwatch.StartNew();
        var losses = new List<float>();
        collector.Start();
        try
        {
            for (var i = 0; i < Iterations; i++)
            {
                losses.Add(TrainingStep(model, optimizer, generator, clean, noise, captions));
                Denoise(model, reduction.ForStep(0), clean, captions);
                if (i % GenerateEvery == 0)
                {
                    // The whole sampling path: plan execution, keyframe-only evaluations, projection, UniPC, batched
                    // CFG, the codec and the clamp.
                    _ = await videos.GenerateAsync(captions[0], seed: i, Schedule);
                    generations++;
                }
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        output.WriteLine($"{Iterations} training steps and {Iterations} reduced denoising forwards and {generations} RhymeFlow generations in {clock.Elapsed.TotalSeconds:0.0} s under {collections} forced collections.");
        Assert.All(losses, loss => Assert.True(float.IsFinite(loss), $"loss {loss}"));
        // Pressure that never overlapped the work would prove nothing.
        Assert.True(collections >= Iterations, $"only {collections} collections ran during {Iterations} iterations");
    }

    private static float TrainingStep(MiniModel model, AdamW optimizer, Generator generator, Tensor clean, Tensor noise, string[] captions)
    {
        using var scope = NewDisposeScope();
        using var timestepScale = FlowMatching.TimestepScale.ToScalar();
        var sigma = FlowMatching.SampleSigmas(generator, (int)clean.shape[0], shift: 3.0);
        var (noisy, target) = FlowMatching.Interpolate(clean, noise, sigma);
        var text = model.EncodePrompts(captions);
        var velocity = model.Transformer.Forward(noisy, sigma.mul(timestepScale), text);
        var loss = nn.functional.mse_loss(velocity, target);
        model.zero_grad();
        loss.backward();
        optimizer.Step(learningRate: 1e-3, weightDecay: 0.01);
        return loss.item<float>();
    }

    private static void Denoise(MiniModel model, ISelfAttentionReduction reduction, Tensor latents, string[] captions)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        using var text = model.Transformer.PrepareText(model.EncodePrompts(captions));
        using var timestep = tensor(Enumerable.Repeat(500f, (int)latents.shape[0]).ToArray());
        _ = model.Transformer.Forward(latents, timestep, text, reduction);
    }
}
