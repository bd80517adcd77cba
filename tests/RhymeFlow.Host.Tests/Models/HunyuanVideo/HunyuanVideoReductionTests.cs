using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.HunyuanVideo;
using RhymeFlow.Host.Tests.Execution;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>
/// AsymRnR and the redundancy profiler on HunyuanVideo's joint attention (tiny fixture model: 3 frames of 4×4 video
/// tokens, 9 text tokens of which 6 valid, 1 dual- and 2 single-stream blocks): only video tokens are reduced.
/// </summary>
public sealed class HunyuanVideoReductionTests(ITestOutputHelper output) : IDisposable
{
    private const double Loose = 0.5;
    private const int VideoTokens = 48;
    private static readonly int[] Keyframes = [0, 2];
    private static readonly int[] NonKeyframes = [1];

    private readonly HunyuanVideoTransformer model = HunyuanVideoTiny.Load();
    private readonly Dictionary<string, Tensor> inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");

    private Tensor Latents => inputs["hidden_states"];

    private Tensor Timestep => inputs["timestep"];

    private Tensor Guidance => inputs["guidance"];

    private HunyuanVideoPrompt Prompt => HunyuanVideoTiny.Prompt(inputs);

    [Fact]
    public void ZeroRatiosAreTheDenseForwardsBitForBit()
    {
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0, 0));
        using var dense = model.Forward(Latents, Timestep, Prompt, Guidance);
        using var zero = model.Forward(Latents, Timestep, Prompt, Guidance, reduction.ForStep(0));
        Assert.True(BitEqual(zero, dense));

        var (recorded, context) = model.ForwardRecording(Latents, Timestep, Prompt, Guidance, NonKeyframes, reduction.ForStep(1));
        using var recordedVelocity = recorded;
        using var frameContext = context;
        Assert.True(BitEqual(recordedVelocity, dense));

        using var keyIndex = tensor(Keyframes.Select(f => (long)f).ToArray());
        using var keyLatents = Latents.index_select(2, keyIndex);
        using var denseActive = model.ForwardActive(keyLatents, Keyframes, Timestep, Prompt, Guidance, frameContext);
        using var zeroActive = model.ForwardActive(keyLatents, Keyframes, Timestep, Prompt, Guidance, frameContext, reduction.ForStep(2));
        Assert.True(BitEqual(zeroActive, denseActive));
    }

    [Fact]
    public void AReducedForwardReducesTheVideoTokensOfEveryBlockOnly()
    {
        using var dense = model.Forward(Latents, Timestep, Prompt, Guidance);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        var probe = new RecordingReduction(reduction.ForStep(0));
        using var reduced = model.Forward(Latents, Timestep, Prompt, Guidance, probe);

        Assert.Equal(Enumerable.Range(0, model.BlockCount), probe.Calls.Select(c => c.Layer));
        Assert.All(probe.Calls, call =>
        {
            // 48 video tokens, no text; 2×2×2 windows over frames {0, 1}, {2}: 8 destinations, ⌊48·0.5⌋ − 8 = 16 sources kept.
            Assert.Equal(("0,1,2/4x4", (long)VideoTokens, (long)VideoTokens), (call.Queries.Key, call.QueryRows, call.KeyValueRows));
            Assert.Equal((24L, 24L), (call.AttendedQueries, call.AttendedKeyValues));
        });
        Assert.Equal(dense.shape, reduced.shape);
        Assert.True(reduced.isfinite().all().item<bool>());
        var error = HunyuanVideoTiny.RelativeError(reduced, dense);
        output.WriteLine($"hunyuanvideo-tiny, 3x4x4 video + 9 text tokens, Q 0.5 / KV 0.5: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    [Fact]
    public void AReducedKeyframeOnlyForwardReducesTheKeyframesAndTheContextUnderTheTextMask()
    {
        var (recorded, context) = model.ForwardRecording(Latents, Timestep, Prompt, Guidance, NonKeyframes);
        recorded.Dispose();
        using var frameContext = context;
        using var keyIndex = tensor(Keyframes.Select(f => (long)f).ToArray());
        using var keyLatents = Latents.index_select(2, keyIndex);
        using var dense = model.ForwardActive(keyLatents, Keyframes, Timestep, Prompt, Guidance, frameContext);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        var probe = new RecordingReduction(reduction.ForStep(0));
        using var reduced = model.ForwardActive(keyLatents, Keyframes, Timestep, Prompt, Guidance, frameContext, probe);

        Assert.Equal(model.BlockCount, probe.Calls.Count);
        Assert.All(probe.Calls, call =>
        {
            Assert.Equal(("0,2/4x4", "0,2,1/4x4"), (call.Queries.Key, call.KeyValues.Key));

            // Queries: 2 frames, 4 windows, ⌊32·0.5⌋ − 4 = 12 kept; K/V: 3 frames, 8 windows, ⌊48·0.5⌋ − 8 = 16 kept.
            Assert.Equal((32L, 48L, 16L, 24L), (call.QueryRows, call.KeyValueRows, call.AttendedQueries, call.AttendedKeyValues));
        });
        var error = HunyuanVideoTiny.RelativeError(reduced, dense);
        output.WriteLine($"hunyuanvideo-tiny keyframe-only [0, 2] with a K/V context, Q 0.5 / KV 0.5: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);

        // Padded text tokens stay masked in every reduced attention: what they hold cannot reach the output.
        using var valid = inputs["encoder_attention_mask"].unsqueeze(-1);
        using var zeroedPadding = inputs["encoder_hidden_states"].mul(valid);
        using var again = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        using var padded = model.ForwardActive(keyLatents, Keyframes, Timestep, Prompt with { EncoderHiddenStates = zeroedPadding }, Guidance, frameContext, again.ForStep(0));
        Assert.True(HunyuanVideoTiny.RelativeError(padded, reduced) < 1e-6);
    }

    [Fact]
    public void TheProfilerRecordsEveryBlockAndStepOfADenseRunWhichItLeavesBitForBit()
    {
        const int steps = 4;
        var schedule = Schedules.Dense(steps: steps, shift: 7, solver: SolverKind.Euler);
        var denoiser = new VideoDenoiser(model);
        using var dense = denoiser.Run(Request(schedule), _ => { }, CancellationToken.None);
        var profiler = new RedundancyProfiler(model.BlockCount, steps);
        using var profiled = denoiser.Run(Request(schedule) with { AttentionPolicy = profiler }, _ => { }, CancellationToken.None);

        Assert.True(BitEqual(profiled.Latents, dense.Latents));
        Assert.True(profiler.IsComplete);
        foreach (var table in new[] { profiler.Queries, profiler.Keys, profiler.Values })
        {
            Assert.Equal(model.BlockCount, table.Length);
            Assert.All(table, row => Assert.All(row, value => Assert.InRange(value, -1.0, 1.0)));
        }

        for (var block = 0; block < model.BlockCount; block++)
        {
            output.WriteLine($"hunyuanvideo-tiny dense {steps} steps, block {block} queries: {string.Join(", ", profiler.Queries[block].Select(v => v.ToString("F4")))}");
        }

        var tiers = profiler.ToTierTable(3);
        Assert.Equal((3, model.BlockCount, steps), (tiers.Levels, tiers.Blocks, tiers.Steps));
    }

    [Fact]
    public void AReducedRunThroughTheExecutorLeavesNoLiveTensors()
    {
        // The executor's HunyuanVideo plans evaluate every frame (no projected frames yet); the keyframe-only forward is
        // reduced above.
        var schedule = Schedules.Dense(steps: 6, shift: 7, solver: SolverKind.Euler);
        var reduction = AttentionReduction.Uniform(0.5, 0.3);
        var denoiser = new VideoDenoiser(model);
        using var dense = denoiser.Run(Request(schedule), _ => { }, CancellationToken.None);
        denoiser.Run(Request(schedule) with { Reduction = reduction }, _ => { }, CancellationToken.None).Dispose();

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var events = new List<EvaluationCompleted>();
        using var reduced = denoiser.Run(Request(schedule) with { Reduction = reduction }, events.Add, CancellationToken.None);
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(6, events.Count);
        Assert.True(reduced.Latents.isfinite().all().item<bool>());
        var error = HunyuanVideoTiny.RelativeError(reduced.Latents, dense.Latents);
        output.WriteLine($"hunyuanvideo-tiny dense run (6 steps), Q 0.5 / KV 0.3: latent relative error vs the dense-attention run {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    public void Dispose()
    {
        HunyuanVideoTiny.DisposeAll(inputs);
        model.Dispose();
    }

    private static bool BitEqual(Tensor actual, Tensor expected) => Acceleration.AsymRnR.AsymRnRInputs.BitEqual(actual, expected);

    private DenoiseRequest Request(ScheduleSpec schedule) =>
        new(inputs["encoder_hidden_states"], Latents, schedule, 6)
        {
            PromptAttentionMask = inputs["encoder_attention_mask"],
            PooledPromptEmbeddings = inputs["pooled_projections"],
        };
}
