using RhymeFlow.Host.Models.Umt5;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Models.WanVae;
using RhymeFlow.Host.Tests.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Hostile;

/// <summary>The three config readers on mutated copies of the fixture configs: each opens or throws InvalidDataException naming the file.</summary>
public sealed class ConfigHostileTests(ITestOutputHelper output)
{
    private const int CasesPerConfig = 200;

    public static TheoryData<string> Configs() => ["wan", "umt5", "vae"];

    [Theory]
    [MemberData(nameof(Configs))]
    public async Task MutatedConfigsOpenOrFailWithInvalidDataException(string kind)
    {
        var (fixture, read) = Reader(kind);
        var original = File.ReadAllText(fixture);
        read(fixture);
        using var directory = new TempDirectory();
        var random = new Random(20261130 + kind.Length);
        var run = new HostileInputs($"{kind} config", output);

        for (var i = 0; i < CasesPerConfig; i++)
        {
            var bytes = HostileMutations.Json(random, original);
            var path = directory.File($"case{i % 4}.config.json");
            File.WriteAllBytes(path, bytes);
            await run.RunAsync($"case {i}", () => read(path), e => e is InvalidDataException, path, AllocationLimit(bytes.Length));
        }

        run.Report();
        Assert.True(run.Count("ok") > 5, string.Join(", ", run.Outcomes));
        Assert.True(run.Count(nameof(InvalidDataException)) > CasesPerConfig / 4, string.Join(", ", run.Outcomes));
    }

    /// <summary>A parse may copy and tokenize its input a few times over, plus a constant.</summary>
    internal static long AllocationLimit(long inputLength) => (16 * inputLength) + (4L << 20);

    private static (string Fixture, Action<string> Read) Reader(string kind) => kind switch
    {
        "wan" => (Fixtures.WanDiffusers("wan-tiny.config.json"), path => WanConfig.FromJson(path)),
        "umt5" => (Fixtures.WanPipeline("umt5-tiny.config.json"), path => Umt5Config.FromJson(path)),
        _ => (Fixtures.WanPipeline("wan-vae-tiny.config.json"), path => WanVaeConfig.FromJson(path)),
    };
}
