using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.HunyuanVideo;
using RhymeFlow.Host.Tests.Checkpoints;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>Config reading, the key layout, and what loading reports when weights do not fit.</summary>
public sealed class HunyuanVideoLoadingTests
{
    [Fact]
    public void TheFixtureConfigIsRead()
    {
        var config = HunyuanVideoConfig.FromJson(HunyuanVideoTiny.ConfigPath);
        Assert.Equal(32, config.InnerDim);
        Assert.Equal((1, 2), (config.NumLayers, config.NumSingleLayers));
        Assert.Equal((4, 6, 6), config.RopeAxesDim);
        Assert.True(config.GuidanceEmbeds);
        Assert.Equal(16, config.PatchOutDim);
    }

    [Theory]
    [InlineData("image_condition_type", "\"token_replace\"")]
    [InlineData("qk_norm", "\"layer_norm\"")]
    [InlineData("rope_axes_dim", "[4, 6, 8]")]
    [InlineData("num_layers", "\"one\"")]
    public void ABadFieldIsNamedWithTheFile(string name, string value)
    {
        var fields = new Dictionary<string, string> { ["num_attention_heads"] = "2", ["attention_head_dim"] = "16", ["rope_axes_dim"] = "[4, 6, 6]" };
        fields[name] = value;
        using var directory = new TempDirectory();
        var path = directory.File("config.json");
        File.WriteAllText(path, "{" + string.Join(", ", fields.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}");

        var error = Assert.Throws<InvalidDataException>(() => HunyuanVideoConfig.FromJson(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        const string dropped = "single_transformer_blocks.1.attn.norm_k.weight";
        using var directory = new TempDirectory();
        var path = directory.File("dropped.safetensors");
        using (var reader = CheckpointReader.Open(HunyuanVideoTiny.WeightsPath))
        {
            var tensors = reader.Keys.Where(k => k != dropped).ToDictionary(k => k, reader.Read);
            SafetensorsWriter.Write(path, tensors);
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }

        using var model = HunyuanVideoTransformer.Create(HunyuanVideoConfig.FromJson(HunyuanVideoTiny.ConfigPath), ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(path));
        Assert.Equal([dropped], error.Missing);
        Assert.Empty(error.Unexpected);
        Assert.Empty(error.WrongShapes);
        Assert.Contains(dropped, error.Message);
    }

    [Fact]
    public void WeightsOfAnotherWidthAreReportedWithTheirShapes()
    {
        var wider = HunyuanVideoConfig.FromJson(HunyuanVideoTiny.ConfigPath) with { NumAttentionHeads = 3 };
        using var model = HunyuanVideoTransformer.Create(wider, ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(HunyuanVideoTiny.WeightsPath));
        Assert.Empty(error.Missing);
        Assert.Contains(error.WrongShapes, s => s.Key == "x_embedder.proj.weight");
        Assert.Contains("x_embedder.proj.weight", error.Message);
        Assert.Contains(Path.GetFileName(HunyuanVideoTiny.WeightsPath), error.Message);
    }

    [Fact]
    public void TheFullModelHasDiffusersKeysAndShapes()
    {
        // HunyuanVideo's transformer/diffusion_pytorch_model layout, built on the meta device without allocating.
        using var model = HunyuanVideoTransformer.Create(HunyuanVideoConfig.T2V, ScalarType.BFloat16, new Device("meta"));
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        // x_embedder 2, context_embedder 10 + 2 refiner blocks × 18, time_text_embed 12, 20 dual blocks × 32,
        // 40 single blocks × 14, norm_out 2, proj_out 2.
        Assert.Equal(2 + 10 + (2 * 18) + 12 + (20 * 32) + (40 * 14) + 2 + 2, shapes.Count);
        Assert.Equal([3072L, 16, 1, 2, 2], shapes["x_embedder.proj.weight"]);
        Assert.Equal([3072L, 4096], shapes["context_embedder.proj_in.weight"]);
        Assert.Equal([3072L, 768], shapes["time_text_embed.text_embedder.linear_1.weight"]);
        Assert.Equal([128L], shapes["transformer_blocks.19.attn.norm_added_q.weight"]);
        Assert.Equal([3072L, 3072 + 12288], shapes["single_transformer_blocks.39.proj_out.weight"]);
        Assert.Equal([64L, 3072], shapes["proj_out.weight"]);
    }
}
