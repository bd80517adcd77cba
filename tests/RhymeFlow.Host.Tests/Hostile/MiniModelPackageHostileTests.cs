using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Hostile;

/// <summary>
/// <see cref="MiniModel.ReadConfig"/> and <see cref="MiniModel.Load"/> on a tiny package with one of its three files
/// damaged: each opens or throws FileNotFoundException, InvalidDataException or CheckpointException naming the file.
/// </summary>
[Collection(BuiltInTrainingCollection.Name)]
public sealed class MiniModelPackageHostileTests(ITestOutputHelper output)
{
    private const int Cases = 120;

    [Fact]
    public async Task DamagedPackagesLoadOrFailNamingTheFile()
    {
        using var directory = new TempDirectory();
        var package = Path.Combine(directory.Path, "pkg");
        using (var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 3))
        {
            model.Save(package);
        }

        MiniModel.Load(package).Dispose();
        string[] files = [MiniModel.ConfigFile, MiniModel.VocabularyFile, MiniModel.WeightsFile];
        var originals = files.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(package, f)));
        var random = new Random(20261133);
        var run = new HostileInputs("built-in package", output);
        var knownDefects = new List<string>();
        var notBuilt = 0;

        for (var i = 0; i < Cases; i++)
        {
            var damaged = files[i % files.Length];
            var bytes = damaged == MiniModel.ConfigFile
                ? HostileMutations.Json(random, System.Text.Encoding.UTF8.GetString(originals[damaged]))
                : HostileMutations.Bytes(random, originals[damaged]);
            var path = Path.Combine(package, damaged);
            File.WriteAllBytes(path, bytes);
            try
            {
                await run.RunAsync(
                    $"case {i}: {damaged}",
                    () => notBuilt += ReadAndLoad(package, knownDefects) ? 0 : 1,
                    e => e is FileNotFoundException or InvalidDataException or CheckpointException,
                    path,
                    (16L * bytes.Length) + (16L << 20));
            }
            finally
            {
                File.WriteAllBytes(path, originals[damaged]);
            }
        }

        var line = run.Report();
        output.WriteLine($"built-in package: {notBuilt} configs describe another architecture (not built, see below); known MiniModel defects hit {knownDefects.Count} times: {string.Join(" | ", knownDefects.Distinct())}");
        Assert.True(run.Count("ok") > 5, line);
        Assert.True(run.Count(nameof(InvalidDataException)) + run.Count(nameof(CheckpointException)) + run.Count(nameof(CheckpointMismatchException)) > Cases / 4, line);
    }

    /// <summary>Reads the config, then loads the package where that is safe; false where it was not built.</summary>
    /// <remarks>
    /// Two defects of MiniModel (src/RhymeFlow.Host/BuiltIn, being rewritten, so reported rather than fixed here) are
    /// told apart from new ones: ReadConfig lets JsonElement's InvalidOperationException out where format_version is
    /// not a number or a metadata string holds a lone surrogate, and Load builds whatever architecture config.json
    /// claims before it looks at the weights, so a mutated size can allocate gigabytes. Configs that differ from the
    /// package's are therefore read but not built.
    /// </remarks>
    private static bool ReadAndLoad(string package, List<string> knownDefects)
    {
        MiniModelConfig config;
        try
        {
            (config, _) = MiniModel.ReadConfig(Path.Combine(package, MiniModel.ConfigFile));
        }
        catch (InvalidOperationException e) when (e.StackTrace?.Contains("MiniModel.ReadConfig", StringComparison.Ordinal) == true)
        {
            lock (knownDefects)
            {
                knownDefects.Add($"ReadConfig: {e.GetType().Name}: {e.Message}");
            }

            return true;
        }

        if (!config.Equals(MiniModelConfig.Tiny))
        {
            return false;
        }

        MiniModel.Load(package).Dispose();
        return true;
    }
}
