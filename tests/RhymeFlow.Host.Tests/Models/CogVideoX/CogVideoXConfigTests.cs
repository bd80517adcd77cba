using RhymeFlow.Host.Models.CogVideoX;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>Reading diffusers' CogVideoX config, and refusing what the engine does not implement.</summary>
public sealed class CogVideoXConfigTests
{
    [Fact]
    public void ReadsTheFixturesConfig()
    {
        var config = CogVideoXConfig.FromJson(CogVideoXTiny.ConfigPath);
        Assert.Equal(new CogVideoXConfig(2, 16, 4, 4, 16, 24, 2, true, 8, 12, 13, 2, 2, 4, 7, 1e-5), config);
        Assert.Equal(32, config.PatchInDim);
    }

    [Theory]
    [InlineData("\"patch_size_t\": null", "patch_size_t")]
    [InlineData("\"ofs_embed_dim\": 512", "ofs_embed_dim")]
    [InlineData("\"use_rotary_positional_embeddings\": false", "use_rotary_positional_embeddings")]
    [InlineData("\"attention_head_dim\": 12", "attention_head_dim")]
    public void RefusesWhatIsNotCogVideoX15TextToVideo(string field, string named)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cogvideox-config-{Guid.NewGuid():N}.json");
        var text = File.ReadAllText(CogVideoXTiny.ConfigPath);
        var name = field[..(field.IndexOf(':', StringComparison.Ordinal) + 1)];
        var start = text.IndexOf(name, StringComparison.Ordinal);
        var end = text.IndexOfAny([',', '\n'], start);
        File.WriteAllText(path, text[..start] + field + text[end..]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => CogVideoXConfig.FromJson(path));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains(named, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheFiveBillionPresetIsValid() => Assert.Equal(3072, CogVideoXConfig.CogVideoX1_5_5B.Validate().InnerDim);
}
