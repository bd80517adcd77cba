namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>The keyframe-only forward against the full forward it stands in for.</summary>
public sealed class CogVideoXActiveTokensTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("cogvideox-tiny.case.safetensors", 0, 1)]
    [InlineData("cogvideox-tiny.case.safetensors", 1, 0)]
    [InlineData("cogvideox-tiny-batch2.case.safetensors", 1, 0)]
    public void WithAContextRecordedFromTheSameStateEqualsTheFullForward(string caseFile, int active, int recorded)
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase(caseFile);
        var (latents, timestep, text) = (inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        using var full = model.Forward(latents, timestep, text);
        var (recordingPrediction, context) = model.ForwardRecording(latents, timestep, text, [recorded]);
        using (recordingPrediction)
        using (context)
        {
            Assert.True(recordingPrediction.eq(full).all().item<bool>(), "recording must not change the prediction");
            using var activeLatents = latents.narrow(1, active * 2, 2);
            using var activePrediction = model.ForwardActive(activeLatents, [active], timestep, text, context);
            using var expected = full.narrow(1, active * 2, 2);
            var error = CogVideoXTiny.RelativeError(activePrediction, expected);
            Assert.True(error < Tolerance, $"relative error {error:E3}");
        }

        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void ItEqualsAFullForwardWithTheRecordedKeyValuesSubstituted()
    {
        const int TokensPerTemporalToken = 24; // an 8 × 12 latent in 2 × 2 patches
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
        var (recordedState, text) = (inputs["hidden_states"], inputs["encoder_hidden_states"]);

        // The keyframe (temporal token 0, latent frames 0 and 1) moves on; the context of token 1 stays as recorded.
        using var generator = new Generator(5);
        using var noise = randn([1, 2, 4, 8, 12], generator: generator);
        using var step = 0.3.ToScalar();
        using var movedKeyframe = recordedState.narrow(1, 0, 2).add(noise, step);
        using var current = cat([movedKeyframe, recordedState.narrow(1, 2, 2)], 1);
        using var timestep = tensor(new[] { 600f });

        var (recordedPrediction, context) = model.ForwardRecording(recordedState, inputs["timestep"], text, [1]);
        recordedPrediction.Dispose();
        using (context)
        {
            using var active = model.ForwardActive(movedKeyframe, [0], timestep, text, context);

            // The plain reference: every layer of a full forward on the current state attends, for token 1's video
            // tokens, to the recorded keys and values instead of its own.
            using var rows = arange(TokensPerTemporalToken, 2 * TokensPerTemporalToken, ScalarType.Int64);
            using var substituted = model.ForwardWithKeyValues(current, timestep, text, (layer, key, value) =>
            {
                var (recordedKey, recordedValue) = context.KeyValue(layer);
                key.index_copy_(2, rows, recordedKey);
                value.index_copy_(2, rows, recordedValue);
            });
            using var expected = substituted.narrow(1, 0, 2);
            var error = CogVideoXTiny.RelativeError(active, expected);
            Assert.True(error < Tolerance, $"relative error {error:E3}");

            // And it is not the plain full forward: the context is stale.
            using var plain = model.Forward(current, timestep, text);
            using var plainKeyframe = plain.narrow(1, 0, 2);
            Assert.True(CogVideoXTiny.RelativeError(active, plainKeyframe) > 1e-4);
        }

        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void AnActiveTokenInTheContextIsRejected()
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
        var (latents, timestep, text) = (inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        var (prediction, context) = model.ForwardRecording(latents, timestep, text, [1]);
        using (prediction)
        using (context)
        {
            using var activeLatents = latents.narrow(1, 2, 2);
            Assert.Throws<ArgumentException>(() => model.ForwardActive(activeLatents, [1], timestep, text, context));
        }

        CogVideoXTiny.DisposeAll(inputs);
    }
}
