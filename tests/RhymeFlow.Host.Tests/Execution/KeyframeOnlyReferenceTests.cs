using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.Models.Wan;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// The optimised keyframe-only evaluation (<see cref="WanTransformer.ForwardActive"/> over a recorded K/V context)
/// against <see cref="ReferenceWanForward"/>: a plain full forward in which every layer's non-keyframe K/V are
/// replaced by the recorded ones and only the keyframe rows are kept.
/// </summary>
public sealed class KeyframeOnlyReferenceTests(ITestOutputHelper output) : IDisposable
{
    private const int TokensPerFrame = 16;
    private const double Exact = 1e-5;
    private readonly WanTransformer model = WanTiny.Load();
    private readonly Dictionary<string, Tensor> fixture = WanTiny.ReadCase("wan-tiny.case.safetensors");

    [Fact]
    public void KeyframeOnlyEvaluationEqualsTheReferenceWithRecordedContext()
    {
        using var scope = NewDisposeScope();
        var reference = new ReferenceWanForward(model);
        var generator = new Generator(7);
        var stateA = fixture["hidden_states"];
        var textStates = fixture["encoder_hidden_states"];
        using var text = model.PrepareText(textStates);
        int[] keyframes = [1, 3], others = [0, 2, 4];
        var frameTimesA = tensor(new float[,] { { 999f, 874.5f, 617.25f, 300f, 12f } });
        var timeA = WanTransformer.ExpandFrameTimesteps(frameTimesA, TokensPerFrame);
        var (velocityA, recorded) = model.ForwardRecording(stateA, timeA, text, others, WanContextKind.KeyValue);
        using var context = recorded;

        // The context is what the reference computes for frames {0, 2, 4} of state A: same layout, same token order.
        var ownKeyValues = new List<(Tensor Key, Tensor Value)>();
        var fullA = reference.Forward(stateA, timeA, textStates, record: ownKeyValues);
        var otherRows = ReferenceWanForward.TokensOf(others, TokensPerFrame);
        for (var layer = 0; layer < model.Config.NumLayers; layer++)
        {
            var (key, value) = context.KeyValue(layer);
            Assert.Equal(new long[] { 1, 2, 48, 16 }, key.shape);
            Report($"layer {layer} K", WanTiny.RelativeError(key, ownKeyValues[layer].Key.index_select(2, otherRows)));
            Report($"layer {layer} V", WanTiny.RelativeError(value, ownKeyValues[layer].Value.index_select(2, otherRows)));
        }

        Report("reference full forward vs ForwardRecording velocity", WanTiny.RelativeError(fullA, velocityA));

        // Inner step: the keyframes move to a different state and timestep; non-keyframes keep the recorded K/V.
        var keyIndex = tensor(new long[] { 1, 3 });
        var stateB = stateA.clone();
        stateB.index_copy_(2, keyIndex, stateA.index_select(2, keyIndex) + 0.3f * randn([1, 4, 2, 8, 8], generator: generator));
        var frameTimesB = tensor(new float[,] { { 480.5f, 480.5f } });
        var activeTimeB = WanTransformer.ExpandFrameTimesteps(frameTimesB, TokensPerFrame);
        var optimised = model.ForwardActive(stateB.index_select(2, keyIndex), keyframes, activeTimeB, text, context);

        // The reference clip: B on the keyframes, garbage (noise, timestep 5) elsewhere: their own K/V are replaced.
        var clip = randn([1, 4, 5, 8, 8], generator: generator);
        clip.index_copy_(2, keyIndex, stateB.index_select(2, keyIndex));
        var clipTimes = WanTransformer.ExpandFrameTimesteps(tensor(new float[,] { { 5f, 480.5f, 5f, 480.5f, 5f } }), TokensPerFrame);
        var expected = reference.Forward(clip, clipTimes, textStates, keyframes, layer => context.KeyValue(layer));

        Assert.Equal(expected.shape, optimised.shape);
        Report("keyframe-only {1,3} vs reference", WanTiny.RelativeError(optimised, expected));
    }

    [Fact]
    public void BatchedCfgWithNonContiguousKeyframesEqualsTheReference()
    {
        using var scope = NewDisposeScope();
        var reference = new ReferenceWanForward(model);
        var generator = new Generator(11);
        var stateA = cat([fixture["hidden_states"], randn([1, 4, 5, 8, 8], generator: generator)], 0);
        var textStates = cat([fixture["encoder_hidden_states"], randn([1, 7, 24], generator: generator)], 0);
        using var text = model.PrepareText(textStates);
        int[] keyframes = [0, 3], others = [1, 2, 4];
        var timeA = tensor(new[] { 617.25f, 617.25f });
        var (_, recorded) = model.ForwardRecording(stateA, timeA, text, others, WanContextKind.KeyValue);
        using var context = recorded;

        var ownKeyValues = new List<(Tensor Key, Tensor Value)>();
        reference.Forward(stateA, timeA, textStates, record: ownKeyValues);
        var otherRows = ReferenceWanForward.TokensOf(others, TokensPerFrame);
        for (var layer = 0; layer < model.Config.NumLayers; layer++)
        {
            Report($"layer {layer} K", WanTiny.RelativeError(context.KeyValue(layer).Key, ownKeyValues[layer].Key.index_select(2, otherRows)));
            Report($"layer {layer} V", WanTiny.RelativeError(context.KeyValue(layer).Value, ownKeyValues[layer].Value.index_select(2, otherRows)));
        }

        var keyIndex = tensor(new long[] { 0, 3 });
        var activeB = stateA.index_select(2, keyIndex) + 0.3f * randn([2, 4, 2, 8, 8], generator: generator);
        var timeB = tensor(new[] { 480.5f, 480.5f });
        var optimised = model.ForwardActive(activeB, keyframes, timeB, text, context);

        var clip = randn([2, 4, 5, 8, 8], generator: generator);
        clip.index_copy_(2, keyIndex, activeB);
        var clipTimes = WanTransformer.ExpandFrameTimesteps(tensor(new float[,] { { 480.5f, 5f, 5f, 480.5f, 5f }, { 480.5f, 900f, 900f, 480.5f, 900f } }), TokensPerFrame);
        var expected = reference.Forward(clip, clipTimes, textStates, keyframes, layer => context.KeyValue(layer));

        Assert.Equal(new long[] { 2, 4, 2, 8, 8 }, optimised.shape);
        Report("CFG batch 2, keyframe-only {0,3} vs reference", WanTiny.RelativeError(optimised, expected));
        Report("CFG row 0", WanTiny.RelativeError(optimised[0], expected[0]));
        Report("CFG row 1", WanTiny.RelativeError(optimised[1], expected[1]));
    }

    [Fact]
    public void SubstitutedContextMatters()
    {
        using var scope = NewDisposeScope();
        var reference = new ReferenceWanForward(model);
        var generator = new Generator(13);
        var stateA = fixture["hidden_states"];
        var textStates = fixture["encoder_hidden_states"];
        using var text = model.PrepareText(textStates);
        int[] keyframes = [1, 3], others = [0, 2, 4];
        var timeA = tensor(new[] { 617.25f });
        var (_, recordedA) = model.ForwardRecording(stateA, timeA, text, others, WanContextKind.KeyValue);
        using var contextA = recordedA;

        // State C: the context frames moved (as after another step); recorded at another timestep.
        var otherIndex = tensor(new long[] { 0, 2, 4 });
        var stateC = stateA.clone();
        stateC.index_copy_(2, otherIndex, stateA.index_select(2, otherIndex) + 0.5f * randn([1, 4, 3, 8, 8], generator: generator));
        var (_, recordedC) = model.ForwardRecording(stateC, tensor(new[] { 400f }), text, others, WanContextKind.KeyValue);
        using var contextC = recordedC;

        var keyIndex = tensor(new long[] { 1, 3 });
        var activeB = stateA.index_select(2, keyIndex) + 0.3f * randn([1, 4, 2, 8, 8], generator: generator);
        var timeB = tensor(new[] { 480.5f });
        var optimised = model.ForwardActive(activeB, keyframes, timeB, text, contextA);
        var clip = stateA.clone();
        clip.index_copy_(2, keyIndex, activeB);

        var withA = reference.Forward(clip, timeB, textStates, keyframes, layer => contextA.KeyValue(layer));
        var withC = reference.Forward(clip, timeB, textStates, keyframes, layer => contextC.KeyValue(layer));
        var unsubstituted = reference.Forward(clip, timeB, textStates, keyframes);
        Report("reference with A's K/V vs optimised (A)", WanTiny.RelativeError(optimised, withA), below: Exact);
        Report("reference with C's K/V vs optimised (A)", WanTiny.RelativeError(optimised, withC), below: null, above: 1e-3);
        Report("reference without substitution vs optimised (A)", WanTiny.RelativeError(optimised, unsubstituted), below: null, above: 1e-3);
    }

    [Theory]
    [InlineData("wan-tiny.case.safetensors")]
    [InlineData("wan-tiny-perframe.case.safetensors")]
    public void ReferenceWithoutSubstitutionMatchesDiffusers(string caseFile)
    {
        using var scope = NewDisposeScope();
        var inputs = WanTiny.ReadCase(caseFile);
        var velocity = new ReferenceWanForward(model).Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        Assert.Equal(inputs["expected"].shape, velocity.shape);
        Report($"reference vs diffusers ({caseFile})", WanTiny.RelativeError(velocity, inputs["expected"]), below: 1e-4);
    }

    public void Dispose()
    {
        model.Dispose();
        foreach (var tensor in fixture.Values)
        {
            tensor.Dispose();
        }
    }

    private void Report(string what, double error, double? below = Exact, double? above = null)
    {
        output.WriteLine($"{what}: relative error {error:E3}");
        Assert.True(below is null || error < below, $"{what}: relative error {error:E3} is not below {below:E0}");
        Assert.True(above is null || error > above, $"{what}: relative error {error:E3} is not above {above:E0}");
    }
}
