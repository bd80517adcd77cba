using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Models.CogVideoX;
using Xunit.Abstractions;
using static RhymeFlow.Host.Tests.Acceleration.AsymRnR.AsymRnRInputs;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>
/// AsymRnR and the redundancy profiler on CogVideoX-1.5's joint attention (tiny fixture model: 2 temporal tokens of
/// 4×6 video tokens, 7 text tokens, 2 blocks): only video tokens are reduced; a layout's frame is a temporal token.
/// </summary>
public sealed class CogVideoXReductionTests(ITestOutputHelper output) : IDisposable
{
    private const double Loose = 0.5;
    private const long VideoTokens = 48;

    private readonly CogVideoXTransformer model = CogVideoXTiny.Load();
    private readonly Dictionary<string, Tensor> inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");

    private Tensor Latents => inputs["hidden_states"];

    private Tensor Timestep => inputs["timestep"];

    private Tensor Text => inputs["encoder_hidden_states"];

    private int Blocks => model.Config.NumLayers;

    [Fact]
    public void ZeroRatiosAreTheDenseForwardsBitForBit()
    {
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0, 0));
        using var dense = model.Forward(Latents, Timestep, Text);
        using var zero = model.Forward(Latents, Timestep, Text, reduction.ForStep(0));
        Assert.True(BitEqual(zero, dense));

        var (recorded, context) = model.ForwardRecording(Latents, Timestep, Text, [0], reduction.ForStep(1));
        using var recordedPrediction = recorded;
        using var frameContext = context;
        Assert.True(BitEqual(recordedPrediction, dense));

        using var activeLatents = Latents.narrow(1, 2, 2);
        using var denseActive = model.ForwardActive(activeLatents, [1], Timestep, Text, frameContext);
        using var zeroActive = model.ForwardActive(activeLatents, [1], Timestep, Text, frameContext, reduction.ForStep(2));
        Assert.True(BitEqual(zeroActive, denseActive));
    }

    [Fact]
    public void AReducedForwardReducesTheVideoTokensOfEveryBlockOnly()
    {
        using var dense = model.Forward(Latents, Timestep, Text);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        var probe = new RecordingReduction(reduction.ForStep(0));
        using var reduced = model.Forward(Latents, Timestep, Text, probe);

        Assert.Equal(Enumerable.Range(0, Blocks), probe.Calls.Select(c => c.Layer));
        Assert.All(probe.Calls, call =>
        {
            // 48 video tokens, no text; 2×2×2 windows over temporal tokens {0, 1}: 6 destinations, ⌊48·0.5⌋ − 6 = 18 sources kept.
            Assert.Equal(("0,1/4x6", VideoTokens, VideoTokens), (call.Queries.Key, call.QueryRows, call.KeyValueRows));
            Assert.Equal((24L, 24L), (call.AttendedQueries, call.AttendedKeyValues));
        });
        Assert.Equal(dense.shape, reduced.shape);
        Assert.True(reduced.isfinite().all().item<bool>());
        var error = CogVideoXTiny.RelativeError(reduced, dense);
        output.WriteLine($"cogvideox-tiny, 2x4x6 video + 7 text tokens, Q 0.5 / KV 0.5: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    [Fact]
    public void AReducedKeyframeOnlyForwardReducesTheActiveTokensAndTheContext()
    {
        var (recorded, context) = model.ForwardRecording(Latents, Timestep, Text, [0]);
        recorded.Dispose();
        using var frameContext = context;
        using var activeLatents = Latents.narrow(1, 2, 2);
        using var dense = model.ForwardActive(activeLatents, [1], Timestep, Text, frameContext);
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.5));
        var probe = new RecordingReduction(reduction.ForStep(0));
        using var reduced = model.ForwardActive(activeLatents, [1], Timestep, Text, frameContext, probe);

        Assert.Equal(Blocks, probe.Calls.Count);
        Assert.All(probe.Calls, call =>
        {
            Assert.Equal(("1/4x6", "1,0/4x6"), (call.Queries.Key, call.KeyValues.Key));

            // Queries: 6 windows, ⌊24·0.5⌋ − 6 = 6 kept; K/V: 6 windows over both temporal tokens, ⌊48·0.5⌋ − 6 = 18 kept.
            Assert.Equal((24L, 48L, 12L, 24L), (call.QueryRows, call.KeyValueRows, call.AttendedQueries, call.AttendedKeyValues));
        });
        Assert.Equal(dense.shape, reduced.shape);
        var error = CogVideoXTiny.RelativeError(reduced, dense);
        output.WriteLine($"cogvideox-tiny keyframe-only [1] with a K/V context, Q 0.5 / KV 0.5: relative error vs dense {error:E3}");
        Assert.InRange(error, 1e-6, Loose);
    }

    [Fact]
    public void TheProfilerRecordsEveryBlockAndStepAndLeavesTheForwardsBitForBit()
    {
        float[] timesteps = [999, 751, 500, 37];
        var profiler = new RedundancyProfiler(Blocks, timesteps.Length);
        for (var step = 0; step < timesteps.Length; step++)
        {
            using var timestep = tensor(new[] { timesteps[step] });
            using var dense = model.Forward(Latents, timestep, Text);
            using var profiled = model.Forward(Latents, timestep, Text, profiler.ForStep(step));
            Assert.True(BitEqual(profiled, dense));
        }

        Assert.True(profiler.IsComplete);
        foreach (var table in new[] { profiler.Queries, profiler.Keys, profiler.Values })
        {
            Assert.Equal(Blocks, table.Length);
            Assert.All(table, row => Assert.All(row, value => Assert.InRange(value, -1.0, 1.0)));
        }

        for (var block = 0; block < Blocks; block++)
        {
            output.WriteLine($"cogvideox-tiny at t = {string.Join("/", timesteps)}, block {block} queries: {string.Join(", ", profiler.Queries[block].Select(v => v.ToString("F4")))}");
        }

        var tiers = profiler.ToTierTable(3);
        Assert.Equal((3, Blocks, timesteps.Length), (tiers.Levels, tiers.Blocks, tiers.Steps));
    }

    [Fact]
    public void ReducedForwardsLeaveNoLiveTensors()
    {
        using var reduction = new AsymRnRRun(AttentionReduction.Uniform(0.5, 0.3, reuseSteps: 2));
        using var activeLatents = Latents.narrow(1, 2, 2);

        void Round(int step)
        {
            model.Forward(Latents, Timestep, Text, reduction.ForStep(step)).Dispose();
            var (prediction, context) = model.ForwardRecording(Latents, Timestep, Text, [0], reduction.ForStep(step));
            prediction.Dispose();
            using (context)
            {
                model.ForwardActive(activeLatents, [1], Timestep, Text, context, reduction.ForStep(step)).Dispose();
            }
        }

        Round(0);
        Round(1);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Round(1);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    public void Dispose()
    {
        CogVideoXTiny.DisposeAll(inputs);
        model.Dispose();
    }
}
