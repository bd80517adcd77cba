using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>The device and dtype a benchmark runs on, and the one way to wait for the device.</summary>
public sealed class BenchDevice
{
    private BenchDevice(Device device, bool isCuda)
    {
        Device = device;
        IsCuda = isCuda;
    }

    /// <summary>The torch device.</summary>
    public Device Device { get; }

    /// <summary>Whether the device is CUDA.</summary>
    public bool IsCuda { get; }

    /// <summary>The dtype names of the command lines.</summary>
    public static IReadOnlyDictionary<string, ScalarType> DTypes { get; } = new Dictionary<string, ScalarType>
    {
        ["bf16"] = ScalarType.BFloat16,
        ["f16"] = ScalarType.Float16,
        ["f32"] = ScalarType.Float32,
    };

    /// <summary>The device names of the command lines.</summary>
    public static IReadOnlyDictionary<string, string> Kinds { get; } = new Dictionary<string, string>
    {
        ["cpu"] = "cpu",
        ["cuda"] = "cuda",
    };

    /// <summary>"cpu" or "cuda"; "cuda" fails with a usage error where no CUDA device is visible.</summary>
    public static BenchDevice Open(string kind)
    {
        if (kind == "cuda")
        {
            if (!cuda.is_available())
            {
                throw new BenchmarkArgumentException("--device cuda, but TorchSharp sees no CUDA device (is a CUDA libtorch on LD_LIBRARY_PATH?)");
            }

            return new BenchDevice(CUDA, isCuda: true);
        }

        return new BenchDevice(CPU, isCuda: false);
    }

    /// <summary>cuda where visible, else cpu.</summary>
    public static string DefaultKind => cuda.is_available() ? "cuda" : "cpu";

    /// <summary>The command-line name of a dtype.</summary>
    public static string Name(ScalarType dtype) => DTypes.First(pair => pair.Value == dtype).Key;

    /// <summary>Waits until queued work has finished (a no-op on the CPU, where ops are synchronous).</summary>
    public void Synchronize()
    {
        if (IsCuda)
        {
            cuda.synchronize();
        }
    }

    /// <summary>A line describing the machine side of the run.</summary>
    public string Describe() =>
        IsCuda
            ? $"cuda (devices visible: {cuda.device_count()}, TF32 matmul: {torch.backends.cuda.matmul.allow_tf32})"
            : $"cpu ({Environment.ProcessorCount} logical cores, torch threads: {get_num_threads()})";
}
