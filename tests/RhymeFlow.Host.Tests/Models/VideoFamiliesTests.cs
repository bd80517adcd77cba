using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models;

public sealed class VideoFamiliesTests
{
    [Fact]
    public void TheFixtureConfigsAreToldByTheirKeys()
    {
        Assert.Equal(VideoFamily.Wan, VideoFamilies.Detect(Fixtures.WanDiffusers("wan-tiny.config.json")).Family);
        Assert.Equal((VideoFamily.CogVideoX, "its key time_embed_dim"), VideoFamilies.Detect(Fixtures.CogVideoXDiffusers("cogvideox-tiny.config.json")));
        Assert.Equal((VideoFamily.HunyuanVideo, "its key num_single_layers"), VideoFamilies.Detect(Fixtures.HunyuanVideoDiffusers("hunyuanvideo-tiny.config.json")));
    }

    [Theory]
    [InlineData("WanTransformer3DModel", VideoFamily.Wan)]
    [InlineData("CogVideoXTransformer3DModel", VideoFamily.CogVideoX)]
    [InlineData("HunyuanVideoTransformer3DModel", VideoFamily.HunyuanVideo)]
    public void DiffusersClassNameDecides(string className, VideoFamily family)
    {
        var path = TempConfig($$"""{ "_class_name": "{{className}}", "num_single_layers": 2 }""");
        try
        {
            Assert.Equal((family, $"_class_name {className}"), VideoFamilies.Detect(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnUnknownClassNameIsNamed()
    {
        var path = TempConfig("""{ "_class_name": "UNet2DConditionModel" }""");
        try
        {
            var error = Assert.Throws<CheckpointException>(() => VideoFamilies.Detect(path));
            Assert.Contains("UNet2DConditionModel", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string TempConfig(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"video-family-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
