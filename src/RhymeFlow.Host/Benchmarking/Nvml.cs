using System.Runtime.InteropServices;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>The three NVML calls the memory probe needs (libnvidia-ml.so.1 ships with the driver).</summary>
internal static partial class Nvml
{
    private const string Library = "libnvidia-ml.so.1";

    [StructLayout(LayoutKind.Sequential)]
    public struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    /// <summary>Device-wide memory in use (every process and the driver's reservations), in bytes.</summary>
    public static ulong Used(IntPtr device)
    {
        Check(NativeMethods.nvmlDeviceGetMemoryInfo(device, out var memory), "nvmlDeviceGetMemoryInfo");
        return memory.Used;
    }

    /// <summary>Initialises NVML and returns the handle of device <paramref name="index"/> (NVML order, not CUDA_VISIBLE_DEVICES order).</summary>
    public static IntPtr Open(uint index)
    {
        Check(NativeMethods.nvmlInit_v2(), "nvmlInit_v2");
        Check(NativeMethods.nvmlDeviceGetHandleByIndex_v2(index, out var device), "nvmlDeviceGetHandleByIndex_v2");
        return device;
    }

    public static void Close() => _ = NativeMethods.nvmlShutdown();

    private static void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"{call} failed with NVML status {status}");
        }
    }

    private static class NativeMethods
    {
        [DllImport(Library)]
        internal static extern int nvmlInit_v2();

        [DllImport(Library)]
        internal static extern int nvmlShutdown();

        [DllImport(Library)]
        internal static extern int nvmlDeviceGetHandleByIndex_v2(uint index, out IntPtr device);

        [DllImport(Library)]
        internal static extern int nvmlDeviceGetMemoryInfo(IntPtr device, out Memory memory);
    }
}
