using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Wan;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// One transformer forward on a case file: the parity check for any new case. Inputs are named as
/// diffusers' fixtures name them (hidden_states, timestep, encoder_hidden_states); the velocity is
/// written as 'sample'.
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

    private static Tensor Required(SafetensorsFile file, string key) =>
        file.Contains(key)
            ? file.Read(key)
            : throw new CheckpointException($"{file.Path}: the case has no tensor '{key}' (it holds {string.Join(", ", file.Keys)}).");
}
