using System.Text.Json.Nodes;
using RhymeFlow.Host.Benchmarking;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// A tiny Wan 2.1 pipeline folder in diffusers layout with random weights of matching sizes: the
/// fixture transformer's shape with text_dim 32, the fixture umT5 shape with a vocabulary that covers
/// the fixture tokenizer, the fixture VAE config, and the fixture SentencePiece model.
/// </summary>
internal sealed class TinyPipelineFolder : IDisposable
{
    public TinyPipelineFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rhymeflow-pipeline-" + Guid.NewGuid().ToString("N"));
        var transformer = Load(Fixtures.WanDiffusers("wan-tiny.config.json"));
        transformer["text_dim"] = 32;
        var textEncoder = Load(Fixtures.WanPipeline("umt5-tiny.config.json"));
        textEncoder["vocab_size"] = 384;
        var vae = Load(Fixtures.WanPipeline("wan-vae-tiny.config.json"));
        RandomPipelineFolder.Write(Path, transformer, textEncoder, vae, Fixtures.WanPipeline("spiece-tiny.model"), flowShift: 3, seed: 11);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A checkpoint still mapped by a failed test; the OS temp cleaner gets it.
        }
    }

    private static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}
