namespace RhymeFlow.Host.Tests.TestSupport;

/// <summary>Locates the diffusers reference outputs in <c>../shared/fixtures</c> beside the checkout.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string WanDiffusers(string file) => Path.Combine(Root.Value, "wan-diffusers", file);

    public static string WanPipeline(string file) => Path.Combine(Root.Value, "wan-pipeline", file);

    public static string CogVideoXDiffusers(string file) => Path.Combine(Root.Value, "cogvideox-diffusers", file);

    public static string HunyuanVideoDiffusers(string file) => Path.Combine(Root.Value, "hunyuanvideo-diffusers", file);

    /// <summary>Every file with <paramref name="extension"/> (e.g. ".safetensors") in every fixture folder.</summary>
    public static IReadOnlyList<string> All(string extension) =>
        [.. Directory.GetDirectories(Root.Value).SelectMany(folder => Directory.GetFiles(folder, "*" + extension)).Order(StringComparer.Ordinal)];

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RhymeFlow.sln")))
            {
                var fixtures = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "fixtures"));
                return Directory.Exists(fixtures)
                    ? fixtures
                    : throw new DirectoryNotFoundException($"The reference fixtures were expected at {fixtures} (../shared/fixtures beside the checkout).");
            }
        }

        throw new DirectoryNotFoundException($"No RhymeFlow.sln above {AppContext.BaseDirectory}; cannot locate ../shared/fixtures.");
    }
}
