using System.Text.Json.Nodes;
using RhymeFlow.Host.Models.Umt5;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>Reading transformers' <c>config.json</c>, and the errors for configs this engine cannot run.</summary>
public sealed class Umt5ConfigTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("umt5-config-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void ReadsTheFixtureConfig()
    {
        var config = Umt5Config.FromJson(Umt5Tiny.ConfigPath);
        Assert.Equal(new Umt5Config(96, 32, 8, 64, 2, 4, 32, 128, 1e-6, Umt5Config.GatedGelu), config);
        Assert.Equal(32, config.InnerDim);
    }

    [Fact]
    public void TheXxlPresetIsWansTextEncoder()
    {
        var xxl = Umt5Config.Umt5Xxl.Validate();
        Assert.Equal((256384, 4096, 64, 10240, 24, 64, 32, 128), (xxl.VocabSize, xxl.DModel, xxl.DKv, xxl.DFf, xxl.NumLayers, xxl.NumHeads, xxl.RelativeAttentionNumBuckets, xxl.RelativeAttentionMaxDistance));
        Assert.Equal(4096, xxl.InnerDim);
    }

    [Theory]
    [InlineData("d_model", null, "required field 'd_model' is missing")]
    [InlineData("num_heads", "\"4\"", "field 'num_heads' must be an integer, got \"4\"")]
    [InlineData("num_layers", "0", "field 'num_layers' must be positive")]
    [InlineData("layer_norm_epsilon", "true", "field 'layer_norm_epsilon' must be a number, got true")]
    [InlineData("feed_forward_proj", "\"relu\"", "field 'feed_forward_proj' only \"gated-gelu\" is supported, got \"relu\"")]
    [InlineData("dense_act_fn", "\"relu\"", "field 'dense_act_fn' must be \"gelu_new\"")]
    [InlineData("model_type", "\"t5\"", "field 'model_type' must be \"umt5\", got \"t5\"")]
    [InlineData("relative_attention_max_distance", "8", "field 'relative_attention_max_distance' must exceed")]
    public void BadFieldsNameTheFileAndTheField(string field, string? json, string message)
    {
        var root = JsonNode.Parse(File.ReadAllText(Umt5Tiny.ConfigPath))!.AsObject();
        root.Remove(field);
        if (json is not null)
        {
            root[field] = JsonNode.Parse(json);
        }

        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, root.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => Umt5Config.FromJson(path));
        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsentOptionalFieldsTakeTransformersDefaults()
    {
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, """{"vocab_size": 10, "d_model": 8, "d_kv": 2, "d_ff": 16, "num_layers": 1, "num_heads": 4}""");
        Assert.Equal(new Umt5Config(10, 8, 2, 16, 1, 4, 32, 128, 1e-6, Umt5Config.GatedGelu), Umt5Config.FromJson(path));
    }

    [Fact]
    public void NotJsonAndMissingFilesAreClear()
    {
        var path = Path.Combine(directory, "config.json");
        File.WriteAllText(path, "{ not json");
        Assert.StartsWith($"{path}: not valid JSON", Assert.Throws<InvalidDataException>(() => Umt5Config.FromJson(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "[1, 2]");
        Assert.Contains("expected a JSON object", Assert.Throws<InvalidDataException>(() => Umt5Config.FromJson(path)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => Umt5Config.FromJson(Path.Combine(directory, "absent.json")));
    }
}
