using System.Text.Json.Nodes;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class WanPipelineFolderTests
{
    [Fact]
    public void OpensACompleteFolder()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 32);
        var pipeline = WanPipelineFolder.Open(folder.Path);
        Assert.EndsWith(Path.Combine("transformer", "diffusion_pytorch_model.safetensors"), pipeline.Transformer.WeightsPath);
        Assert.EndsWith(Path.Combine("text_encoder", "model.safetensors"), pipeline.TextEncoder.WeightsPath);
        Assert.EndsWith(Path.Combine("tokenizer", "spiece.model"), pipeline.Tokenizer);
        Assert.Equal(5.0, pipeline.Scheduler.FlowShift);
        Assert.Equal("UniPCMultistepScheduler", pipeline.Scheduler.ClassName);
    }

    [Fact]
    public void ReportsEveryMissingComponentAtOnce()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 32);
        Directory.Delete(Path.Combine(folder.Path, "vae"), recursive: true);
        File.Delete(Path.Combine(folder.Path, "tokenizer", "spiece.model"));
        File.Delete(Path.Combine(folder.Path, "text_encoder", "model.safetensors"));
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open(folder.Path));
        Assert.Contains("vae/: missing", error.Message);
        Assert.Contains("tokenizer/spiece.model: missing", error.Message);
        Assert.Contains("text_encoder/: ", error.Message);
        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void NamesTheMismatchedConfigFields()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 24);
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open(folder.Path));
        Assert.Contains("transformer/config.json: text_dim = 24 does not match text_encoder/config.json: d_model = 32", error.Message);
    }

    [Fact]
    public void NamesABrokenConfigAndAMissingIndexEntry()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 32);
        File.WriteAllText(Path.Combine(folder.Path, "vae", "config.json"), "{ not json");
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "model_index.json")))!.AsObject();
        index.Remove("scheduler");
        File.WriteAllText(Path.Combine(folder.Path, "model_index.json"), index.ToJsonString());
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open(folder.Path));
        Assert.Contains("vae/config.json: not valid JSON", error.Message);
        Assert.Contains("model_index.json: no 'scheduler' entry", error.Message);
    }

    [Fact]
    public void NamesAnIndexEntryDeclaredTwice()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 32);
        var path = Path.Combine(folder.Path, "model_index.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("{", "{\"vae\": [\"diffusers\", \"AutoencoderKLWan\"], ", StringComparison.Ordinal));
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open(folder.Path));
        Assert.Contains("model_index.json: the top-level object declares 'vae' twice", error.Message);
    }

    [Fact]
    public void AMissingFlowShiftIsReportedNotGuessed()
    {
        using var folder = new TempDirectory();
        Lay(folder.Path, textDim: 32);
        File.WriteAllText(Path.Combine(folder.Path, "scheduler", "scheduler_config.json"), "{\"_class_name\": \"UniPCMultistepScheduler\"}");
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open(folder.Path));
        Assert.Contains("scheduler/scheduler_config.json: no numeric 'flow_shift'", error.Message);
    }

    [Fact]
    public void AMissingFolderIsAClearError()
    {
        var error = Assert.Throws<PipelineFolderException>(() => WanPipelineFolder.Open("/nonexistent/wan"));
        Assert.Contains("/nonexistent/wan", error.Message);
    }

    /// <summary>A diffusers-layout folder from the fixtures (weights are only located here, not loaded).</summary>
    internal static void Lay(string root, int textDim)
    {
        void Copy(string fixture, string relative)
        {
            var target = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(fixture, target);
        }

        File.WriteAllText(Path.Combine(root, "model_index.json"), """
            {"_class_name": "WanPipeline", "scheduler": ["diffusers", "UniPCMultistepScheduler"],
             "text_encoder": ["transformers", "UMT5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
             "transformer": ["diffusers", "WanTransformer3DModel"], "vae": ["diffusers", "AutoencoderKLWan"]}
            """);
        var transformer = JsonNode.Parse(File.ReadAllText(Fixtures.WanDiffusers("wan-tiny.config.json")))!.AsObject();
        transformer["text_dim"] = textDim;
        Directory.CreateDirectory(Path.Combine(root, "transformer"));
        File.WriteAllText(Path.Combine(root, "transformer", "config.json"), transformer.ToJsonString());
        Copy(Fixtures.WanDiffusers("wan-tiny.weights.safetensors"), "transformer/diffusion_pytorch_model.safetensors");
        Copy(Fixtures.WanPipeline("umt5-tiny.config.json"), "text_encoder/config.json");
        Copy(Fixtures.WanPipeline("umt5-tiny.weights.safetensors"), "text_encoder/model.safetensors");
        Copy(Fixtures.WanPipeline("spiece-tiny.model"), "tokenizer/spiece.model");
        Copy(Fixtures.WanPipeline("wan-vae-tiny.config.json"), "vae/config.json");
        Copy(Fixtures.WanPipeline("wan-vae-tiny.weights.safetensors"), "vae/diffusion_pytorch_model.safetensors");
        Directory.CreateDirectory(Path.Combine(root, "scheduler"));
        File.WriteAllText(Path.Combine(root, "scheduler", "scheduler_config.json"), """
            {"_class_name": "UniPCMultistepScheduler", "flow_shift": 5.0, "prediction_type": "flow_prediction", "use_flow_sigmas": true}
            """);
    }
}
