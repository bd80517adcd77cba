using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class ShardedCheckpointTests
{
    [Fact]
    public void LoadsAShardedCheckpointThroughItsIndexOrDirectory()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        var expected = WriteShards(directory, "diffusion_pytorch_model");

        foreach (var path in new[] { directory.File("diffusion_pytorch_model.safetensors.index.json"), directory.Path })
        {
            using var reader = CheckpointReader.Open(path);
            Assert.Equal(3, reader.Files.Count);
            Assert.Equal("123", reader.Metadata["total_size"]);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), reader.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, tensor) in expected)
            {
                using var actual = reader.Read(key);
                Assert.True(tensor.bytes.SequenceEqual(actual.bytes), key);
            }
        }
    }

    [Fact]
    public void IndexNamingAMissingShardIsAClearError()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        WriteShards(directory, "model");
        File.Delete(directory.File("model-00002-of-00003.safetensors"));

        var error = Assert.Throws<CheckpointException>(() => CheckpointReader.Open(directory.Path));

        Assert.Contains("do not exist", error.Message);
        Assert.Contains("model-00002-of-00003.safetensors", error.Message);
    }

    [Fact]
    public void KeyAbsentFromItsShardIsAClearError()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        WriteShards(directory, "model", extraIndexEntry: ("ghost.weight", "model-00001-of-00003.safetensors"));

        var error = Assert.Throws<CheckpointException>(() => CheckpointReader.Open(directory.File("model.safetensors.index.json")));

        Assert.Contains("'ghost.weight' -> model-00001-of-00003.safetensors", error.Message);
    }

    [Fact]
    public void AmbiguousDirectoryIsAClearError()
    {
        using var directory = new TempDirectory();
        using (var t = ones(1))
        {
            SafetensorsWriter.Write(directory.File("a.safetensors"), new Dictionary<string, Tensor> { ["x"] = t });
            SafetensorsWriter.Write(directory.File("b.safetensors"), new Dictionary<string, Tensor> { ["x"] = t });
        }

        var error = Assert.Throws<CheckpointException>(() => CheckpointReader.Open(directory.Path));

        Assert.Contains("a.safetensors, b.safetensors", error.Message);
    }

    private static Dictionary<string, Tensor> WriteShards(TempDirectory directory, string name, (string Key, string Shard)? extraIndexEntry = null)
    {
        var all = new Dictionary<string, Tensor>();
        var weightMap = new Dictionary<string, string>();
        for (var shard = 1; shard <= 3; shard++)
        {
            var file = $"{name}-{shard:00000}-of-00003.safetensors";
            var tensors = Enumerable.Range(0, 2).ToDictionary(i => $"layer{shard}.w{i}", i => randn(shard, i + 2));
            SafetensorsWriter.Write(directory.File(file), tensors);
            foreach (var (key, tensor) in tensors)
            {
                all[key] = tensor;
                weightMap[key] = file;
            }
        }

        if (extraIndexEntry is { } extra)
        {
            weightMap[extra.Key] = extra.Shard;
        }

        var index = new { metadata = new { total_size = 123 }, weight_map = weightMap };
        File.WriteAllText(directory.File(name + ".safetensors.index.json"), JsonSerializer.Serialize(index));
        return all;
    }
}
