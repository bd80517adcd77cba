using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RhymeFlow.Host.Runtime;

/// <summary>
/// Prepares the native side of TorchSharp before its first use.
/// </summary>
/// <remarks>
/// On systems whose libstdc++ predates GLIBCXX_3.4.32 the build places a small shim beside the
/// assemblies (see build/GlibcxxCompat.targets). It must be loaded into the global symbol namespace
/// before libLibTorchSharp.so, so that the one symbol it provides resolves.
/// </remarks>
public static class TorchRuntime
{
    private const string ShimName = "libRhymeFlowGlibcxxShim.so";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly Lazy<string?> ShimPath = new(LoadShim, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shim that was loaded, or null where the system needed none.</summary>
    public static string? LoadedShim => ShimPath.Value;

    /// <summary>Loads the compatibility shim where one was built. Safe to call many times.</summary>
    public static void EnsureInitialized() => _ = ShimPath.Value;

#pragma warning disable CA2255 // The shim must be in place before any TorchSharp type initialiser runs.
    [ModuleInitializer]
    internal static void InitializeOnLoad() => EnsureInitialized();
#pragma warning restore CA2255

    private static string? LoadShim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = Path.Combine(AppContext.BaseDirectory, ShimName);
        if (!File.Exists(path))
        {
            return null;
        }

        if (NativeMethods.dlopen(path, RtldNow | RtldGlobal) == IntPtr.Zero)
        {
            var reason = Marshal.PtrToStringAnsi(NativeMethods.dlerror()) ?? "unknown error";
            throw new InvalidOperationException($"Could not load {path}, which TorchSharp needs on this system: {reason}");
        }

        return path;
    }

    private static partial class NativeMethods
    {
        [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern IntPtr dlopen(string fileName, int flags);

        [DllImport("libc")]
        internal static extern IntPtr dlerror();
    }
}
