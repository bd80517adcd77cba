using RhymeFlow.Host.Models.HunyuanVideo;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>
/// The keyframe-only forward against plain references: queries are the text and keyframe tokens, keys/values are those
/// plus the recorded non-keyframe K/V, and the text mask still applies.
/// </summary>
public sealed class HunyuanVideoKeyframeTests
{
    private static readonly int[] Keyframes = [0, 2];
    private static readonly int[] NonKeyframes = [1];
    private const int TokensPerFrame = 16; // an 8 × 8 latent in 2 × 2 patches

    [Theory]
    [InlineData("hunyuanvideo-tiny.case.safetensors", new[] { 0, 2 }, new[] { 1 })]
    [InlineData("hunyuanvideo-tiny-batch2.case.safetensors", new[] { 1 }, new[] { 0 })] // two prompts, 9 and 4 valid tokens
    public void WithAContextOfTheSameStateItEqualsTheFullForwardOnTheKeyframes(string caseFile, int[] keyframes, int[] nonKeyframes)
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase(caseFile);
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        var latents = inputs["hidden_states"];

        var (full, context) = model.ForwardRecording(latents, inputs["timestep"], prompt, inputs["guidance"], nonKeyframes);
        using (full)
        using (context)
        using (var keyIndex = tensor(keyframes.Select(f => (long)f).ToArray()))
        using (var active = model.ForwardActive(latents.index_select(2, keyIndex), keyframes, inputs["timestep"], prompt, inputs["guidance"], context))
        using (var expected = full.index_select(2, keyIndex))
        {
            var error = HunyuanVideoTiny.RelativeError(active, expected);
            Assert.True(error < 1e-5, $"relative error {error:E3}");
        }

        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Fact]
    public void ItEqualsAFullForwardWithTheRecordedKeyValuesSubstituted()
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        using var recordedState = inputs["hidden_states"].clone();
        using var generator = new Generator(7);
        using var step = 0.3.ToScalar();
        using var noise = randn(recordedState.shape, generator: generator);

        // The keyframes move on; the non-keyframe context stays as recorded from the earlier state.
        using var keyIndex = tensor(Keyframes.Select(f => (long)f).ToArray());
        using var movedKeyframes = recordedState.index_select(2, keyIndex).add(noise.index_select(2, keyIndex), step);
        using var current = recordedState.index_copy(2, keyIndex, movedKeyframes);
        using var timestep = tensor(new[] { 800f });

        var (recordedVelocity, context) = model.ForwardRecording(recordedState, inputs["timestep"], prompt, inputs["guidance"], NonKeyframes);
        recordedVelocity.Dispose();
        using (context)
        {
            using var active = model.ForwardActive(movedKeyframes, Keyframes, timestep, prompt, inputs["guidance"], context);

            // The plain reference: every block of a full forward on the current state attends, for the non-keyframe
            // tokens, to the recorded keys and values instead of its own.
            using var tokenIndex = tensor(NonKeyframes.SelectMany(f => Enumerable.Range(f * TokensPerFrame, TokensPerFrame)).Select(t => (long)t).ToArray());
            using var substituted = model.ForwardWithKeyValueHook(current, timestep, prompt, inputs["guidance"], (block, key, value) =>
            {
                var (recordedKey, recordedValue) = context.KeyValue(block);
                return (key.index_copy(2, tokenIndex, recordedKey), value.index_copy(2, tokenIndex, recordedValue));
            });
            using var expected = substituted.index_select(2, keyIndex);
            var error = HunyuanVideoTiny.RelativeError(active, expected);
            Assert.True(error < 1e-5, $"relative error {error:E3}");

            // And it is not the plain full forward: the context is stale.
            using var plain = model.Forward(current, timestep, prompt, inputs["guidance"]);
            using var plainKeyframes = plain.index_select(2, keyIndex);
            Assert.True(HunyuanVideoTiny.RelativeError(active, plainKeyframes) > 1e-4);
        }

        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Fact]
    public void TheTextMaskStillAppliesInTheKeyframeOnlyForward()
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        using var valid = inputs["encoder_attention_mask"].unsqueeze(-1);
        using var zeroedPadding = inputs["encoder_hidden_states"].mul(valid);
        var latents = inputs["hidden_states"];
        using var keyIndex = tensor(Keyframes.Select(f => (long)f).ToArray());
        using var keyLatents = latents.index_select(2, keyIndex);

        var (full, context) = model.ForwardRecording(latents, inputs["timestep"], prompt, inputs["guidance"], NonKeyframes);
        full.Dispose();
        using (context)
        {
            using var original = model.ForwardActive(keyLatents, Keyframes, inputs["timestep"], prompt, inputs["guidance"], context);
            using var padded = model.ForwardActive(keyLatents, Keyframes, inputs["timestep"], prompt with { EncoderHiddenStates = zeroedPadding }, inputs["guidance"], context);
            Assert.True(HunyuanVideoTiny.RelativeError(padded, original) < 1e-6);
        }

        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Fact]
    public void ForwardsLeaveNoLiveTensors()
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny-batch2.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        var latents = inputs["hidden_states"];

        void Round()
        {
            model.Forward(latents, inputs["timestep"], prompt, inputs["guidance"]).Dispose();
            var (velocity, context) = model.ForwardRecording(latents, inputs["timestep"], prompt, inputs["guidance"], [1]);
            velocity.Dispose();
            using (context)
            using (var first = latents.narrow(2, 0, 1))
            {
                model.ForwardActive(first, [0], inputs["timestep"], prompt, inputs["guidance"], context).Dispose();
            }
        }

        Round();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            Round();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        HunyuanVideoTiny.DisposeAll(inputs);
    }
}
