using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Umt5;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Models.WanVae;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// One forward of a pipeline component on a case file: the parity check for any new case. Inputs are
/// named as the fixtures name them: the transformer reads hidden_states, timestep and
/// encoder_hidden_states and writes 'sample'; the VAE decoder reads 'latents' and writes 'decoded'; the
/// VAE encoder reads 'video' and writes 'encoded_mean'; the umT5 text encoder reads 'input_ids' and
/// 'attention_mask' and writes 'last_hidden_state'. Outputs are float32 CPU tensors, written atomically.
/// </summary>
public static class SingleForward
{
    public static void Run(string configPath, string weightsPath, string inputsPath, string outputPath, string dtype = "float32", string device = "cpu")
    {
        var scalarType = ParseDType(dtype);
        var target = ParseDevice(device);
        var config = WanConfig.FromJson(configPath);
        using var model = WanTransformer.Create(config, scalarType, target);
        model.LoadWeights(weightsPath);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var inputs = SafetensorsFile.Open(inputsPath);
        var hidden = Required(inputs, "hidden_states").to(scalarType, target);
        var timestep = Required(inputs, "timestep").to(ScalarType.Float32, target);
        var text = Required(inputs, "encoder_hidden_states").to(scalarType, target);
        var sample = model.Forward(hidden, timestep, text).to(ScalarType.Float32).cpu();
        SafetensorsWriter.Write(outputPath, new Dictionary<string, Tensor> { ["sample"] = sample });
    }

    /// <summary>The Wan VAE's raw <c>decode</c> (no de-normalisation): 'latents' → 'decoded'.</summary>
    public static void RunVaeDecode(string configPath, string weightsPath, string inputsPath, string outputPath, string dtype = "float32", string device = "cpu") =>
        RunVae(configPath, weightsPath, inputsPath, outputPath, dtype, device, "latents", "decoded", (vae, x) => vae.Decode(x));

    /// <summary>The Wan VAE's posterior mean of <c>encode</c> (not normalised): 'video' → 'encoded_mean'.</summary>
    public static void RunVaeEncode(string configPath, string weightsPath, string inputsPath, string outputPath, string dtype = "float32", string device = "cpu") =>
        RunVae(configPath, weightsPath, inputsPath, outputPath, dtype, device, "video", "encoded_mean", (vae, x) => vae.EncodeMean(x));

    /// <summary>The umT5 encoder: 'input_ids' and 'attention_mask' → 'last_hidden_state'.</summary>
    public static void RunTextEncoder(string configPath, string weightsPath, string inputsPath, string outputPath, string dtype = "float32", string device = "cpu")
    {
        var scalarType = ParseDType(dtype);
        var target = ParseDevice(device);
        using var model = Umt5Encoder.Create(Umt5Config.FromJson(configPath), scalarType, target);
        model.LoadWeights(weightsPath);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var inputs = SafetensorsFile.Open(inputsPath);
        var ids = Required(inputs, "input_ids").to(target);
        var mask = Required(inputs, "attention_mask").to(target);
        var hidden = model.Encode(ids, mask).to(ScalarType.Float32).cpu();
        SafetensorsWriter.Write(outputPath, new Dictionary<string, Tensor> { ["last_hidden_state"] = hidden });
    }

    public static ScalarType ParseDType(string dtype) => dtype.ToLowerInvariant() switch
    {
        "float32" or "f32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "f16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"dtype '{dtype}' is not supported: expected float32, bfloat16 or float16.", nameof(dtype)),
    };

    public static Device ParseDevice(string device)
    {
        var parsed = device.ToLowerInvariant() switch
        {
            "cpu" => CPU,
            "cuda" => CUDA,
            var other when other.StartsWith("cuda:", StringComparison.Ordinal) => new Device(other),
            _ => throw new ArgumentException($"device '{device}' is not supported: expected cpu, cuda or cuda:N.", nameof(device)),
        };
        if (parsed.type == TorchSharp.DeviceType.CUDA && !cuda.is_available())
        {
            throw new ArgumentException($"device '{device}' was requested but CUDA is not available (is a CUDA libtorch on LD_LIBRARY_PATH?).", nameof(device));
        }

        return parsed;
    }

    private static void RunVae(string configPath, string weightsPath, string inputsPath, string outputPath, string dtype, string device, string input, string output, Func<WanVae, Tensor, Tensor> forward)
    {
        var scalarType = ParseDType(dtype);
        var target = ParseDevice(device);
        using var model = WanVae.Create(WanVaeConfig.FromJson(configPath), scalarType, target);
        model.LoadWeights(weightsPath);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var inputs = SafetensorsFile.Open(inputsPath);
        var x = Required(inputs, input).to(scalarType, target);
        var result = forward(model, x).to(ScalarType.Float32).cpu();
        SafetensorsWriter.Write(outputPath, new Dictionary<string, Tensor> { [output] = result });
    }

    private static Tensor Required(SafetensorsFile file, string key) =>
        file.Contains(key)
            ? file.Read(key)
            : throw new CheckpointException($"{file.Path}: the case has no tensor '{key}' (it holds {string.Join(", ", file.Keys)}).");
}
