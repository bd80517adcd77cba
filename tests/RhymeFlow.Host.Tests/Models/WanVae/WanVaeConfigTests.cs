using RhymeFlow.Host.Models.WanVae;
using RhymeFlow.Host.Tests.Checkpoints;

namespace RhymeFlow.Host.Tests.Models.WanVae;

public sealed class WanVaeConfigTests
{
    [Fact]
    public void ReadsTheFixtureConfig()
    {
        var config = WanVaeConfig.FromJson(WanVaeTiny.ConfigPath);
        Assert.Equal(16, config.BaseDim);
        Assert.Null(config.DecoderBaseDim);
        Assert.Equal(4, config.ZDim);
        Assert.Equal([1, 2, 2], config.DimMult);
        Assert.Equal(1, config.NumResBlocks);
        Assert.Empty(config.AttnScales);
        Assert.Equal([false, true], config.TemperalDownsample);
        Assert.Equal([0.1, -0.2, 0.3, -0.4], config.LatentsMean);
        Assert.Equal([1.5, 0.8, 1.2, 2.0], config.LatentsStd);
        Assert.Equal(2, config.ScaleFactorTemporal);
        Assert.Equal(4, config.ScaleFactorSpatial);
    }

    [Fact]
    public void AnEmptyObjectIsTheWan21Preset()
    {
        using var directory = new TempDirectory();
        var path = directory.File("config.json");
        File.WriteAllText(path, """{"_class_name": "AutoencoderKLWan", "dropout": 0.0, "patch_size": null, "is_residual": false}""");
        Assert.Equal(WanVaeConfig.Wan21, WanVaeConfig.FromJson(path));
        Assert.Same(WanVaeConfig.Wan21, WanVaeConfig.Wan21.Validate());
        Assert.Equal(16, WanVaeConfig.Wan21.LatentsMean.Count);
        Assert.Equal(16, WanVaeConfig.Wan21.LatentsStd.Count);
    }

    [Theory]
    [InlineData("""{"base_dim": "96"}""", "field 'base_dim' must be an integer")]
    [InlineData("""{"dim_mult": [1, 2.5]}""", "field 'dim_mult' must be an array of integers")]
    [InlineData("""{"temperal_downsample": [false, true]}""", "field 'temperal_downsample' must have one entry per downsampling")]
    [InlineData("""{"temperal_downsample": [0, 1, 1]}""", "field 'temperal_downsample' must be an array of true/false")]
    [InlineData("""{"latents_mean": [0.0, 1.0]}""", "field 'latents_mean' must have z_dim = 16 values, got 2")]
    [InlineData("""{"z_dim": 4, "latents_mean": [0, 0, 0, 0], "latents_std": [1, 1, 0, 1]}""", "field 'latents_std' must be positive")]
    [InlineData("""{"scale_factor_temporal": 2}""", "field 'scale_factor_temporal' must be 2^(temporal downsamplings) = 4, got 2")]
    [InlineData("""{"scale_factor_spatial": 16}""", "field 'scale_factor_spatial' must be 2^(len(dim_mult) - 1) = 8, got 16")]
    [InlineData("""{"is_residual": true}""", "the Wan 2.2 VAE")]
    [InlineData("""{"patch_size": 2}""", "field 'patch_size' is 2")]
    [InlineData("""{"num_res_blocks": 0}""", "field 'num_res_blocks' must be positive")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"base_dim": 96""", "not valid JSON")]
    public void BadConfigsNameTheFileAndTheField(string json, string expected)
    {
        using var directory = new TempDirectory();
        var path = directory.File("config.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<InvalidDataException>(() => WanVaeConfig.FromJson(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AMissingFileIsReported()
    {
        var error = Assert.Throws<FileNotFoundException>(() => WanVaeConfig.FromJson("/nonexistent/vae/config.json"));
        Assert.Contains("/nonexistent/vae/config.json", error.Message);
    }

    [Fact]
    public void CreateRejectsAnInvalidConfig()
    {
        var bad = WanVaeConfig.Wan21 with { LatentsStd = [1.0] };
        var error = Assert.Throws<ArgumentException>(() => Host.Models.WanVae.WanVae.Create(bad, ScalarType.Float32, CPU));
        Assert.Contains("latents_std", error.Message);
    }
}
