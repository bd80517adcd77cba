using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Tests.Models.Wan;

public sealed class WanConfigTests
{
    [Fact]
    public void ReadsTheFixtureConfig()
    {
        var config = WanConfig.FromJson(WanTiny.ConfigPath);
        Assert.Equal(new WanConfig((1, 2, 2), 2, 16, 4, 4, 24, 32, 64, 2, true, "rms_norm_across_heads", 1e-6, 1024), config);
        Assert.Equal(32, config.InnerDim);
        Assert.Equal(16, config.PatchOutDim);
    }

    [Fact]
    public void PresetsHaveTheReleasedShapes()
    {
        Assert.Equal((1536, 30, 8960, 16, 4096, 256), (WanConfig.T2V_1_3B.InnerDim, WanConfig.T2V_1_3B.NumLayers, WanConfig.T2V_1_3B.FfnDim, WanConfig.T2V_1_3B.InChannels, WanConfig.T2V_1_3B.TextDim, WanConfig.T2V_1_3B.FreqDim));
        Assert.Equal((5120, 40, 13824, 40), (WanConfig.T2V_14B.InnerDim, WanConfig.T2V_14B.NumLayers, WanConfig.T2V_14B.FfnDim, WanConfig.T2V_14B.NumAttentionHeads));
    }

    [Theory]
    [InlineData("{\"num_layers\": \"two\"}", "num_layers")]
    [InlineData("{\"patch_size\": [1, 2]}", "patch_size")]
    [InlineData("{\"qk_norm\": \"layer_norm\"}", "qk_norm")]
    [InlineData("{\"image_dim\": 1280}", "image_dim")]
    [InlineData("{\"eps\": -1}", "eps")]
    [InlineData("[1, 2, 3]", "JSON object")]
    [InlineData("{\"num_layers\": ", "not valid JSON")]
    [InlineData("{\"num_layers\": 2, \"num_layers\": 3}", "the top-level object declares 'num_layers' twice")]
    [InlineData("{\"id2label\": {\"0\": \"a\", \"0\": \"b\"}}", "the object in 'id2label' declares '0' twice")]
    [InlineData("{\"id2label\": {\"\\ud800\": \"a\"}}", "the object in 'id2label' has a key that is not text")]
    public void BadConfigsNameTheFileAndTheField(string json, string field)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wan-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => WanConfig.FromJson(path));
            Assert.Contains(path, error.Message);
            Assert.Contains(field, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingConfigIsReported()
    {
        var error = Assert.Throws<FileNotFoundException>(() => WanConfig.FromJson("/nonexistent/config.json"));
        Assert.Contains("/nonexistent/config.json", error.Message);
    }
}
