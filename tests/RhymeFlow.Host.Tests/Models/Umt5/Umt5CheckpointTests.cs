using System.Text.Json;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Umt5;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>Key handling of <see cref="Umt5Encoder.LoadWeights"/>: tied embeddings, shards, strictness.</summary>
public sealed class Umt5CheckpointTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("umt5-ckpt-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData(Umt5Checkpoint.SharedKey)]
    [InlineData(Umt5Checkpoint.EmbedTokensKey)]
    public void EitherEmbeddingKeyAloneGivesTheSameModel(string keptKey)
    {
        var dropped = keptKey == Umt5Checkpoint.SharedKey ? Umt5Checkpoint.EmbedTokensKey : Umt5Checkpoint.SharedKey;
        var path = Path.Combine(directory, "model.safetensors");
        WriteFixtureWeights(path, (key, _) => key != dropped);

        using var reference = Umt5Tiny.Load();
        using var variant = Umt5Tiny.Load(weights: path);
        AssertSameOutputs(reference, variant);
    }

    [Fact]
    public void ShardedFolderLoads()
    {
        var weightMap = new Dictionary<string, string>();
        using (var reader = CheckpointReader.Open(Umt5Tiny.WeightsPath))
        {
            var shards = new[] { new Dictionary<string, Tensor>(), new Dictionary<string, Tensor>() };
            foreach (var key in reader.Keys)
            {
                var shard = key.StartsWith("encoder.block.1.", StringComparison.Ordinal) ? 1 : 0;
                shards[shard][key] = reader.Read(key);
                weightMap[key] = $"model-0000{shard + 1}-of-00002.safetensors";
            }

            for (var shard = 0; shard < 2; shard++)
            {
                SafetensorsWriter.Write(Path.Combine(directory, $"model-0000{shard + 1}-of-00002.safetensors"), shards[shard]);
                foreach (var tensor in shards[shard].Values)
                {
                    tensor.Dispose();
                }
            }
        }

        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));
        File.WriteAllText(Path.Combine(directory, "config.json"), File.ReadAllText(Umt5Tiny.ConfigPath));

        using var reference = Umt5Tiny.Load();
        using var sharded = Umt5Encoder.Create(Umt5Config.FromJson(Path.Combine(directory, "config.json")), ScalarType.Float32, CPU);
        var result = sharded.LoadWeights(directory);
        Assert.Equal(22, result.Tensors);
        AssertSameOutputs(reference, sharded);
    }

    [Fact]
    public void MissingEmbeddingAndStrayKeysAreAllReported()
    {
        var path = Path.Combine(directory, "model.safetensors");
        WriteFixtureWeights(
            path,
            (key, _) => key is not (Umt5Checkpoint.SharedKey or Umt5Checkpoint.EmbedTokensKey or "encoder.block.0.layer.1.DenseReluDense.wo.weight"),
            extra: "decoder.final_layer_norm.weight");

        using var model = Umt5Encoder.Create(Umt5Config.FromJson(Umt5Tiny.ConfigPath), ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(path));
        Assert.Equal(["encoder.block.0.layer.1.DenseReluDense.wo.weight", "shared.weight"], error.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(["decoder.final_layer_norm.weight"], error.Unexpected);
    }

    [Fact]
    public void AMisshapenTiedCopyIsReported()
    {
        var path = Path.Combine(directory, "model.safetensors");
        WriteFixtureWeights(path, (_, _) => true, replaceEmbedTokens: true);

        using var model = Umt5Encoder.Create(Umt5Config.FromJson(Umt5Tiny.ConfigPath), ScalarType.Float32, CPU);
        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadWeights(path));
        var mismatch = Assert.Single(error.WrongShapes);
        Assert.Equal(Umt5Checkpoint.EmbedTokensKey, mismatch.CheckpointKey);
    }

    [Fact]
    public void BuildsUmt5XxlOnTheMetaDeviceWithTransformersKeys()
    {
        using var model = Umt5Encoder.Create(Umt5Config.Umt5Xxl, ScalarType.BFloat16, new Device("meta"));
        var state = model.state_dict();
        Assert.Equal(1 + (24 * 10) + 1, state.Count);
        Assert.Equal([256384L, 4096], state["shared.weight"].shape);
        Assert.Equal([32L, 64], state["encoder.block.23.layer.0.SelfAttention.relative_attention_bias.weight"].shape);
        Assert.Equal([10240L, 4096], state["encoder.block.0.layer.1.DenseReluDense.wi_1.weight"].shape);
        Assert.Equal(ScalarType.Float32, state["encoder.block.0.layer.1.DenseReluDense.wo.weight"].dtype);
        Assert.Equal(ScalarType.BFloat16, state["encoder.block.0.layer.0.SelfAttention.q.weight"].dtype);
        Assert.Contains("encoder.final_layer_norm.weight", state.Keys);
    }

    private static void AssertSameOutputs(Umt5Encoder a, Umt5Encoder b)
    {
        var inputs = Umt5Tiny.ReadCase();
        using var first = a.Encode(inputs["input_ids"], inputs["attention_mask"]);
        using var second = b.Encode(inputs["input_ids"], inputs["attention_mask"]);
        Assert.True(first.eq(second).all().item<bool>());
        Umt5Tiny.DisposeAll(inputs);
    }

    private static void WriteFixtureWeights(string path, Func<string, Tensor, bool> keep, string? extra = null, bool replaceEmbedTokens = false)
    {
        using var scope = NewDisposeScope();
        using var reader = CheckpointReader.Open(Umt5Tiny.WeightsPath);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var key in reader.Keys)
        {
            var value = reader.Read(key);
            if (keep(key, value))
            {
                tensors[key] = value;
            }
        }

        if (extra is not null)
        {
            tensors[extra] = ones(32);
        }

        if (replaceEmbedTokens)
        {
            tensors[Umt5Checkpoint.EmbedTokensKey] = zeros(95, 32);
        }

        SafetensorsWriter.Write(path, tensors);
    }
}
