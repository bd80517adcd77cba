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
                    () => ReadAndLoad(package),
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
        Assert.True(run.Count("ok") > 5, line);
        Assert.True(run.Count(nameof(InvalidDataException)) + run.Count(nameof(CheckpointException)) + run.Count(nameof(CheckpointMismatchException)) > Cases / 4, line);
    }

    /// <summary>Reads the config, then loads the package, whatever architecture the config describes.</summary>
    /// <remarks>
    /// Load is safe on any config: it refuses one that describes a far larger model than the weights before building
    /// it, and names config.json when the model it builds does not fit the weights.
    /// </remarks>
    private static void ReadAndLoad(string package)
    {
        _ = MiniModel.ReadConfig(Path.Combine(package, MiniModel.ConfigFile));
        MiniModel.Load(package).Dispose();
    }
}
