using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.Execution;
using RhymeFlow.Host.Tests.Models.Wan;
using Xunit.Abstractions;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

/// <summary>AsymRnR inside the Wan model: the two-layer fixture model, a whole RhymeFlow run, and the built-in model.</summary>
public sealed class AsymRnRWanTests(ITestOutputHelper output) : IDisposable
{
    private const double Loose = 0.5;
    private static readonly ScheduleSpec RhymeFlowSchedule = Schedules.RhymeFlow(steps: 12, warmupSteps: 3, keyframes: 2, minSkip: 3, maxSkip: 4);
    private readonly TinyRun run = new();

    private WanTransformer Model => run.Model;

    [Fact]
    public void AZeroRatioForwardIsTheDenseForwardBitForBit()
    {
        using var inputs = new TinyInputs(Model);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0, 0));
        using var dense = Model.Forward(inputs.Latents, inputs.Timestep, inputs.Text);
        using var zero = Model.Forward(inputs.Latents, inputs.Timestep, inputs.Text, reduction.ForStep(0));
        Assert.True(BitEqual(zero, dense));

        var (recorded, context) = Model.ForwardRecording(inputs.Latents, inputs.Timestep, inputs.Text, [0, 2, 4], reduction: reduction.ForStep(1));
        using var recordedVelocity = recorded;
        using var frameContext = context;
        Assert.True(BitEqual(recordedVelocity, dense));

        using var activeLatents = inputs.Frames([1, 3]);
        using var denseActive = Model.ForwardActive(activeLatents, [1, 3], inputs.Timestep, inputs.Text, frameContext);
        using var zeroActive = Model.ForwardActive(activeLatents, [1, 3], inputs.Timestep, inputs.Text, frameContext, reduction.ForStep(2));
        Assert.True(BitEqual(zeroActive, denseActive));
    }

    [Fact]
    public void AReducedForwardIsFiniteAndNearTheDenseOne()
    {
        using var inputs = new TinyInputs(Model);
        using var dense = Model.Forward(inputs.Latents, inputs.Timestep, inputs.Text);
        foreach (var (query, keyValue) in new[] { (0.5, 0.3), (0.3, 0.0), (0.0, 0.5), (0.9, 0.3) })
        {
            using var reduction = new AsymRnRRun(AttentionReduction.Uniform(query, keyValue));
            using var reduced = Model.Forward(inputs.Latents, inputs.Timestep, inputs.Text, reduction.ForStep(0));
            Assert.Equal(dense.shape, reduced.shape);
            Assert.True(reduced.isfinite().all().item<bool>());
            var error = WanTiny.RelativeError(reduced, dense);
            output.WriteLine($"wan-tiny, 5x4x4 tokens, Q {query} / KV {keyValue}: relative error vs dense {error:E3}");
            Assert.InRange(error, 1e-6, Loose);
        }
    }

    [Fact]
    public void AKeyframeOnlyEvaluationReducesItsQueriesAndTheActivePlusContextKeyValues()
    {
        using var inputs = new TinyInputs(Model);
        var (recorded, context) = Model.ForwardRecording(inputs.Latents, inputs.Timestep, inputs.Text, [0, 2, 4]);
        using var recordedVelocity = recorded;
        using var frameContext = context;
        using var activeLatents = inputs.Frames([3, 1]);
        using var dense = Model.ForwardActive(activeLatents, [3, 1], inputs.Timestep, inputs.Text, frameContext);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        var recording = new RecordingReduction(reduction.ForStep(0));
        using var reduced = Model.ForwardActive(activeLatents, [3, 1], inputs.Timestep, inputs.Text, frameContext, recording);

        Assert.Equal(2, recording.Calls.Count);
        Assert.All(recording.Calls, call =>
        {
            Assert.Equal("3,1/4x4", call.Queries.Key);
            Assert.Equal("3,1,0,2,4/4x4", call.KeyValues.Key);

            // Queries: 2 frames of 4x4 → 4 windows, ⌊32·0.5⌋ − 4 = 12 sources kept; K/V: 12 windows, ⌊80·0.5⌋ − 12 = 28.
            Assert.Equal((16L, 40L), (call.AttendedQueries, call.AttendedKeyValues));
        });
        Assert.True(reduced.isfinite().all().item<bool>());
        var error = WanTiny.RelativeError(reduced, dense);
        output.WriteLine($"wan-tiny keyframe-only [3, 1] with a K/V context, Q 0.5 / KV 0.5: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    [Fact]
    public void ARhymeFlowRunReducesEveryEvaluationAndLeavesNoLiveTensors()
    {
        var settings = new List<(int Step, int Layer)>();
        var reduction = new AttentionReduction((step, layer) =>
        {
            settings.Add((step, layer));
            return new LayerReduction(0.5, 0.3, step / 3 * 3);
        });
        var (dense, _) = run.Run(RhymeFlowSchedule);
        using var denseLatents = dense;
        var denoiser = new Host.Execution.VideoDenoiser(Model);
        using (denoiser.Run(run.Request(RhymeFlowSchedule) with { Reduction = reduction }, _ => { }, CancellationToken.None))
        {
        }

        settings.Clear();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var events = new List<Host.Execution.EvaluationCompleted>();
        using var reduced = denoiser.Run(run.Request(RhymeFlowSchedule) with { Reduction = reduction }, events.Add, CancellationToken.None);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        // One model call per evaluation (full, keyframe-only or correction), each asking for both layers.
        Assert.Contains(events, e => e.Kind == EvaluationKindView.Active);
        Assert.Equal(reduced.Plan.Evaluations.Count * 2, settings.Count);
        Assert.Equal(reduced.Plan.Evaluations.Select(e => e.Step).Order(), settings.Where(s => s.Layer == 0).Select(s => s.Step).Order());
        Assert.True(reduced.Latents.isfinite().all().item<bool>());
        var error = WanTiny.RelativeError(reduced.Latents, denseLatents.Latents);
        output.WriteLine($"wan-tiny RhymeFlow run (12 steps, reuse 3), Q 0.5 / KV 0.3: latent relative error vs the dense-attention run {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    [Fact]
    public void ACancelledReducedRunReleasesItsMatchings()
    {
        var request = run.Request(RhymeFlowSchedule) with { Reduction = AttentionReduction.Uniform(0.5, 0.3, reuseSteps: 4) };
        var denoiser = new Host.Execution.VideoDenoiser(Model);
        using (denoiser.Run(request, _ => { }, CancellationToken.None))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => denoiser.Run(
            request,
            _ =>
            {
                if (++seen == 5)
                {
                    cancellation.Cancel();
                }
            },
            cancellation.Token));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AZeroRatioRunIsTheDenseRunBitForBit()
    {
        var (dense, _) = run.Run(RhymeFlowSchedule);
        using var denseLatents = dense;
        using var zero = new Host.Execution.VideoDenoiser(Model).Run(
            run.Request(RhymeFlowSchedule) with { Reduction = AttentionReduction.Uniform(0, 0) }, _ => { }, CancellationToken.None);
        Assert.True(BitEqual(zero.Latents, denseLatents.Latents));
    }

    [Fact]
    public void TheBuiltInModelRunsReducedOnItsClipGrid()
    {
        using var mini = MiniModel.Create(MiniModelConfig.Tiny, seed: 3);
        var transformer = mini.Transformer;
        var config = transformer.Config;
        using var generator = new Generator(17);
        using var latents = randn([2, config.InChannels, MiniModelConfig.LatentFrames, MiniModelConfig.LatentSize, MiniModelConfig.LatentSize], generator: generator);
        using var states = randn([2, 6, config.TextDim], generator: generator);
        using var timestep = tensor(new[] { 700f, 700f });
        using var text = transformer.PrepareText(states);
        using var dense = transformer.Forward(latents, timestep, text);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.3, stride: new WindowStride(2, 2, 2)));
        using var reduced = transformer.Forward(latents, timestep, text, reduction.ForStep(0));
        Assert.Equal(dense.shape, reduced.shape);
        Assert.True(reduced.isfinite().all().item<bool>());
        var error = WanTiny.RelativeError(reduced, dense);
        output.WriteLine($"built-in tiny model (random weights), {MiniModelConfig.LatentFrames}x8x8 tokens, Q 0.5 / KV 0.3: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    public void Dispose() => run.Dispose();

    /// <summary>Seeded inputs of the fixture model: 5 latent frames of 8x8 (4x4 tokens), batch 2.</summary>
    private sealed class TinyInputs : IDisposable
    {
        public TinyInputs(WanTransformer model)
        {
            using var generator = new Generator(20261124);
            Latents = randn([2, 4, 5, 8, 8], generator: generator);
            Timestep = tensor(new[] { 617.25f, 300f });
            using var prompts = randn([2, 7, 24], generator: generator);
            Text = model.PrepareText(prompts);
        }

        public Tensor Latents { get; }

        public Tensor Timestep { get; }

        public WanTextContext Text { get; }

        public Tensor Frames(long[] frames)
        {
            using var index = tensor(frames);
            return Latents.index_select(2, index);
        }

        public void Dispose()
        {
            Latents.Dispose();
            Timestep.Dispose();
            Text.Dispose();
        }
    }

    /// <summary>Passes every call on and records the layouts and the lengths attention saw.</summary>
    private sealed class RecordingReduction(ISelfAttentionReduction inner) : ISelfAttentionReduction
    {
        public List<(VideoTokenLayout Queries, VideoTokenLayout KeyValues, long AttendedQueries, long AttendedKeyValues)> Calls { get; } = [];

        public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend) =>
            inner.Attend(layer, query, key, value, queryTokens, keyValueTokens, (q, k, v) =>
            {
                Calls.Add((queryTokens, keyValueTokens, q.shape[2], k.shape[2]));
                return attend(q, k, v);
            });
    }
}
