using RhymeFlow.Host.Models.CogVideoX;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>The CogVideoX-1.5 transformer against diffusers' outputs on the two-layer reference model.</summary>
public sealed class CogVideoXParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("cogvideox-tiny.case.safetensors")]
    [InlineData("cogvideox-tiny-batch2.case.safetensors")]
    public void MatchesDiffusers(string caseFile)
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase(caseFile);
        using var prediction = model.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);

        Assert.Equal(inputs["expected"].shape, prediction.shape);
        var error = CogVideoXTiny.RelativeError(prediction, inputs["expected"]);
        output.WriteLine($"{caseFile}: relative L2 error {error:E3}");
        Assert.True(error < Tolerance, $"relative error {error:E3}");
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Theory]
    [InlineData("cogvideox-tiny.case.safetensors")]
    [InlineData("cogvideox-tiny-batch2.case.safetensors")]
    public void RotaryTablesMatchThePipelines(string caseFile)
    {
        var inputs = CogVideoXTiny.ReadCase(caseFile);
        var (frames, height, width) = (inputs["hidden_states"].shape[1], inputs["hidden_states"].shape[3], inputs["hidden_states"].shape[4]);
        var (cos, sin) = CogVideoXRotaryEmbedding.Table(16, [.. Enumerable.Range(0, (int)frames / 2)], (int)height / 2, (int)width / 2, CPU);
        using (cos)
        using (sin)
        {
            Assert.True(CogVideoXTiny.RelativeError(cos, inputs["image_rotary_emb_cos"]) < 1e-6);
            Assert.True(CogVideoXTiny.RelativeError(sin, inputs["image_rotary_emb_sin"]) < 1e-6);
        }

        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void BFloat16ProjectionsStayCloseToFloat32()
    {
        using var model = CogVideoXTiny.Load(ScalarType.BFloat16);
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
        using var prediction = model.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);

        // The residual streams, norms and modulation stay float32, so the output is float32 too.
        Assert.Equal(ScalarType.Float32, prediction.dtype);
        var error = CogVideoXTiny.RelativeError(prediction, inputs["expected"]);
        output.WriteLine($"bfloat16: relative L2 error {error:E3}");
        Assert.True(error < 3e-2, $"relative error {error:E3}");
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void RepeatedForwardsLeaveNoTensorsBehind()
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
        void Round()
        {
            model.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]).Dispose();
            var (prediction, context) = model.ForwardRecording(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"], [1]);
            prediction.Dispose();
            using (context)
            {
                using var active = inputs["hidden_states"].narrow(1, 0, 2);
                model.ForwardActive(active, [0], inputs["timestep"], inputs["encoder_hidden_states"], context).Dispose();
            }
        }

        Round();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            Round();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        CogVideoXTiny.DisposeAll(inputs);
    }
}
