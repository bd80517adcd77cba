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
