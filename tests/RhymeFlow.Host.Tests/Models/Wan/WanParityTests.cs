using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Tests.Models.Wan;

/// <summary>The transformer against diffusers' outputs on the two-layer reference model.</summary>
public sealed class WanParityTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("wan-tiny.case.safetensors")]
    [InlineData("wan-tiny-perframe.case.safetensors")]
    public void MatchesDiffusers(string caseFile)
    {
        using var model = WanTiny.Load();
        var inputs = WanTiny.ReadCase(caseFile);
        using var output = model.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);

        Assert.Equal(inputs["expected"].shape, output.shape);
        var error = WanTiny.RelativeError(output, inputs["expected"]);
        Assert.True(error < Tolerance, $"relative error {error:E3}");
        DisposeAll(inputs);
    }

    [Fact]
    public void PerFrameTimestepsExpandToTheFixturesPerTokenTimesteps()
    {
        var inputs = WanTiny.ReadCase("wan-tiny-perframe.case.safetensors");
        using var expanded = WanTransformer.ExpandFrameTimesteps(inputs["frame_timesteps"], tokensPerFrame: 16);
        Assert.True(expanded.eq(inputs["timestep"]).all().item<bool>());
        DisposeAll(inputs);
    }

    [Fact]
    public void OriginalKeyWeightsGiveTheSameModel()
    {
        using var diffusersKeys = WanTiny.Load();
        using var originalKeys = WanTiny.Load(weights: TestSupport.Fixtures.WanDiffusers("wan-tiny.original-keys.safetensors"));
        var inputs = WanTiny.ReadCase("wan-tiny.case.safetensors");
        using var a = diffusersKeys.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        using var b = originalKeys.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        Assert.True(a.eq(b).all().item<bool>());
        DisposeAll(inputs);
    }

    internal static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
