using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>The transformer against diffusers' outputs on the tiny reference model.</summary>
public sealed class HunyuanVideoParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("hunyuanvideo-tiny.case.safetensors")]
    [InlineData("hunyuanvideo-tiny-batch2.case.safetensors")]
    public void MatchesDiffusers(string caseFile)
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase(caseFile);
        using var velocity = model.Forward(inputs["hidden_states"], inputs["timestep"], HunyuanVideoTiny.Prompt(inputs), inputs["guidance"]);

        Assert.Equal(inputs["expected"].shape, velocity.shape);
        var error = HunyuanVideoTiny.RelativeError(velocity, inputs["expected"]);
        output.WriteLine($"{caseFile}: relative L2 error {error:E3}");
        Assert.True(error < Tolerance, $"relative error {error:E3}");
        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Fact]
    public void PaddedTextTokensDoNotChangeTheOutput()
    {
        // The fixture's README: the values at padded positions do not influence the output; the mask does.
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");
        using var valid = inputs["encoder_attention_mask"].unsqueeze(-1);
        using var replaced = inputs["encoder_hidden_states"].mul(valid);
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        using var original = model.Forward(inputs["hidden_states"], inputs["timestep"], prompt, inputs["guidance"]);
        using var zeroedPadding = model.Forward(inputs["hidden_states"], inputs["timestep"], prompt with { EncoderHiddenStates = replaced }, inputs["guidance"]);
        using var allValid = ones_like(inputs["encoder_attention_mask"]);
        using var unmasked = model.Forward(inputs["hidden_states"], inputs["timestep"], prompt with { AttentionMask = allValid }, inputs["guidance"]);

        Assert.True(HunyuanVideoTiny.RelativeError(zeroedPadding, original) < 1e-6);
        Assert.True(HunyuanVideoTiny.RelativeError(unmasked, original) > 1e-3);
        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Fact]
    public void BFloat16StaysCloseToFloat32()
    {
        // Projections and attention in bf16; embeddings, norms, modulation and residual sums in float32.
        using var float32 = HunyuanVideoTiny.Load();
        using var bfloat16 = HunyuanVideoTiny.Load(dtype: ScalarType.BFloat16);
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny-batch2.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        using var reference = float32.Forward(inputs["hidden_states"], inputs["timestep"], prompt, inputs["guidance"]);
        using var reduced = bfloat16.Forward(inputs["hidden_states"], inputs["timestep"], prompt, inputs["guidance"]);

        Assert.Equal(ScalarType.BFloat16, reduced.dtype);
        var error = HunyuanVideoTiny.RelativeError(reduced, reference);
        output.WriteLine($"bf16 vs float32: relative L2 error {error:E3}");
        Assert.True(error < 3e-2, $"relative error {error:E3}");
        HunyuanVideoTiny.DisposeAll(inputs);
    }
}
