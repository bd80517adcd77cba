using System.Text.Json;
using System.Text.Json.Nodes;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Umt5;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Models.WanVae;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// Writes a Wan 2.1 pipeline folder in diffusers layout whose networks have random weights: for
/// pipeline benchmarks at real configs and for end-to-end tests with tiny ones. The sizes must agree
/// (transformer text_dim = encoder d_model, transformer channels = VAE z_dim) and the encoder's
/// vocabulary must cover the tokenizer's.
/// </summary>
public static class RandomPipelineFolder
{
    /// <summary>Writes the folder; <paramref name="transformerConfig"/> and the others are diffusers/transformers config JSON objects.</summary>
    /// <param name="root">The folder to create (must not exist or be empty).</param>
    /// <param name="transformerConfig">diffusers <c>WanTransformer3DModel</c> config.</param>
    /// <param name="textEncoderConfig">transformers <c>UMT5EncoderModel</c> config.</param>
    /// <param name="vaeConfig">diffusers <c>AutoencoderKLWan</c> config.</param>
    /// <param name="tokenizerModel">A SentencePiece model file, copied to <c>tokenizer/spiece.model</c>.</param>
    /// <param name="flowShift">The scheduler's flow shift.</param>
    /// <param name="seed">Seed of the random weights.</param>
    public static void Write(string root, JsonObject transformerConfig, JsonObject textEncoderConfig, JsonObject vaeConfig, string tokenizerModel, double flowShift, long seed)
    {
        Directory.CreateDirectory(root);
        WriteJson(Path.Combine(root, "model_index.json"), new JsonObject
        {
            ["_class_name"] = "WanPipeline",
            ["scheduler"] = new JsonArray("diffusers", "UniPCMultistepScheduler"),
            ["text_encoder"] = new JsonArray("transformers", "UMT5EncoderModel"),
            ["tokenizer"] = new JsonArray("transformers", "T5TokenizerFast"),
            ["transformer"] = new JsonArray("diffusers", "WanTransformer3DModel"),
            ["vae"] = new JsonArray("diffusers", "AutoencoderKLWan"),
        });

        var transformer = Component(root, "transformer", transformerConfig);
        using (var model = WanTransformer.Create(WanConfig.FromJson(transformer), ScalarType.Float32, CPU))
        {
            Save(model, seed, Path.Combine(root, "transformer", "diffusion_pytorch_model.safetensors"));
        }

        var textEncoder = Component(root, "text_encoder", textEncoderConfig);
        using (var model = Umt5Encoder.Create(Umt5Config.FromJson(textEncoder), ScalarType.Float32, CPU))
        {
            Save(model, seed + 1, Path.Combine(root, "text_encoder", "model.safetensors"));
        }

        var vae = Component(root, "vae", vaeConfig);
        using (var model = WanVae.Create(WanVaeConfig.FromJson(vae), ScalarType.Float32, CPU))
        {
            Save(model, seed + 2, Path.Combine(root, "vae", "diffusion_pytorch_model.safetensors"));
        }

        Directory.CreateDirectory(Path.Combine(root, "tokenizer"));
        File.Copy(tokenizerModel, Path.Combine(root, "tokenizer", "spiece.model"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(root, "scheduler"));
        WriteJson(Path.Combine(root, "scheduler", "scheduler_config.json"), new JsonObject
        {
            ["_class_name"] = "UniPCMultistepScheduler",
            ["flow_shift"] = flowShift,
            ["prediction_type"] = "flow_prediction",
            ["use_flow_sigmas"] = true,
            ["solver_order"] = 2,
        });
    }

    private static string Component(string root, string name, JsonObject config)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "config.json");
        WriteJson(path, config);
        return path;
    }

    private static void Save(nn.Module module, long seed, string path)
    {
        RandomWeights.Fill(module, seed);
        using var scope = NewDisposeScope();
        var tensors = module.state_dict().ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).cpu().contiguous());
        SafetensorsWriter.Write(path, tensors);
    }

    private static void WriteJson(string path, JsonObject value) =>
        File.WriteAllText(path, value.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
