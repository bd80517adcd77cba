using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.WanVae;
using RhymeFlow.Host.Tests.Checkpoints;

namespace RhymeFlow.Host.Tests.Models.WanVae;

/// <summary>Strict loading of diffusers-format VAE weights, and the key layout of the full Wan 2.1 VAE.</summary>
public sealed class WanVaeLoadingTests
{
    [Fact]
    public void LoadsEveryFixtureWeight()
    {
        using var model = Host.Models.WanVae.WanVae.Create(WanVaeConfig.FromJson(WanVaeTiny.ConfigPath), ScalarType.Float32, CPU);
        var result = model.LoadWeights(WanVaeTiny.WeightsPath);
        Assert.Equal(model.state_dict().Count, result.Tensors);
    }

    [Fact]
    public void AMissingWeightIsReportedByTheLoader()
    {
        const string dropped = "decoder.mid_block.attentions.0.to_qkv.weight";
        using var directory = new TempDirectory();
        var path = directory.File("dropped.safetensors");
        using (var reader = CheckpointReader.Open(WanVaeTiny.WeightsPath))
        {
            var tensors = reader.Keys.Where(k => k != dropped).ToDictionary(k => k, reader.Read);
            SafetensorsWriter.Write(path, tensors);
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }

        using var model = Host.Models.WanVae.WanVae.Create(WanVaeConfig.FromJson(WanVaeTiny.ConfigPath), ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(path));
        Assert.Equal([dropped], error.Missing);
        Assert.Empty(error.Unexpected);
        Assert.Empty(error.WrongShapes);
        Assert.Contains(dropped, error.Message);
    }

    [Fact]
    public void WeightsOfAnotherConfigAreReportedAsMisshapedAndUnexpected()
    {
        var wider = WanVaeConfig.FromJson(WanVaeTiny.ConfigPath) with { BaseDim = 8, DimMult = [1, 2, 2, 2], TemperalDownsample = [false, true, true], ScaleFactorTemporal = 4, ScaleFactorSpatial = 8 };
        using var model = Host.Models.WanVae.WanVae.Create(wider, ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(WanVaeTiny.WeightsPath));
        Assert.NotEmpty(error.Missing);
        Assert.NotEmpty(error.WrongShapes);
    }

    [Fact]
    public void TheWan21PresetHasDiffusersKeysAndShapes()
    {
        // The layout of Wan2.1's vae/diffusion_pytorch_model.safetensors, built without allocating weights.
        using var model = Host.Models.WanVae.WanVae.Create(WanVaeConfig.Wan21, ScalarType.Float32, new Device("meta"));
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        // Encoder 84 (conv_in 2, down_blocks 62, mid 17, head 3), quant convs 4, decoder 106 (conv_in 2, mid 17,
        // up_blocks 22 + 24 + 20 + 18, head 3), counted by hand from diffusers' module tree.
        Assert.Equal(194, shapes.Count);
        Assert.Equal([96L, 3, 3, 3, 3], shapes["encoder.conv_in.weight"]);
        Assert.Equal([96L, 96, 3, 3], shapes["encoder.down_blocks.2.resample.1.weight"]);
        Assert.Equal([192L, 192, 3, 1, 1], shapes["encoder.down_blocks.5.time_conv.weight"]);
        Assert.Equal([384L, 384, 3, 1, 1], shapes["encoder.down_blocks.8.time_conv.weight"]);
        Assert.Equal([1152L, 384, 1, 1], shapes["encoder.mid_block.attentions.0.to_qkv.weight"]);
        Assert.Equal([384L, 1, 1], shapes["encoder.mid_block.attentions.0.norm.gamma"]);
        Assert.Equal([32L, 384, 3, 3, 3], shapes["encoder.conv_out.weight"]);
        Assert.Equal([32L, 32, 1, 1, 1], shapes["quant_conv.weight"]);
        Assert.Equal([16L, 16, 1, 1, 1], shapes["post_quant_conv.weight"]);
        Assert.Equal([384L, 16, 3, 3, 3], shapes["decoder.conv_in.weight"]);
        Assert.Equal([768L, 384, 3, 1, 1], shapes["decoder.up_blocks.0.upsamplers.0.time_conv.weight"]);
        Assert.Equal([192L, 384, 3, 3], shapes["decoder.up_blocks.0.upsamplers.0.resample.1.weight"]);
        Assert.Equal([384L, 192, 3, 3, 3], shapes["decoder.up_blocks.1.resnets.0.conv1.weight"]);
        Assert.Equal([384L, 192, 1, 1, 1], shapes["decoder.up_blocks.1.resnets.0.conv_shortcut.weight"]);
        Assert.Equal([768L, 384, 3, 1, 1], shapes["decoder.up_blocks.1.upsamplers.0.time_conv.weight"]);
        Assert.Equal([96L, 192, 3, 3], shapes["decoder.up_blocks.2.upsamplers.0.resample.1.weight"]);
        Assert.Equal([96L, 96, 3, 3, 3], shapes["decoder.up_blocks.3.resnets.0.conv1.weight"]);
        Assert.False(shapes.ContainsKey("decoder.up_blocks.2.upsamplers.0.time_conv.weight"));
        Assert.False(shapes.ContainsKey("decoder.up_blocks.3.upsamplers.0.resample.1.weight"));
        Assert.Equal([3L, 96, 3, 3, 3], shapes["decoder.conv_out.weight"]);
    }
}
