using System.Reflection;
using Xunit;

namespace RhymeFlow.Core.Facade.Tests;

/// <summary>Locks the public surface of RhymeFlow.Core to <c>PublicApi.baseline.txt</c> beside this file.</summary>
public sealed class PublicApiTests
{
    private const string BaselineFile = "PublicApi.baseline.txt";
    private const string UpdateVariable = "UPDATE_API_BASELINE";
    private const string TestProject = "tests/RhymeFlow.Core.Facade.Tests";

    private static readonly Assembly Core = typeof(Schedules).Assembly;

    [Fact]
    public void PublicSurfaceMatchesTheBaseline()
    {
        var actual = PublicApi.Listing(Core);
        var source = SourceBaseline();

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Assert.True(source is not null, $"{UpdateVariable}=1 needs the source tree: no RhymeFlow.sln above {AppContext.BaseDirectory}.");
            File.WriteAllText(source, string.Join("\n", actual) + "\n");
            return;
        }

        // The source file when the tests run from a checkout, else the copy in the output folder.
        var path = source ?? Path.Combine(AppContext.BaseDirectory, BaselineFile);
        Assert.True(File.Exists(path), $"No API baseline at {path}. Create it with: {UpdateVariable}=1 dotnet test {TestProject}");
        var expected = File.ReadAllLines(path).Where(line => line.Length > 0).ToList();

        if (!expected.SequenceEqual(actual))
        {
            Assert.Fail(
                $"The public API of RhymeFlow.Core differs from {path} (- baseline, + assembly):\n"
                + string.Join("\n", Diff(expected, actual))
                + $"\n\nIf the change is intended, update the baseline and commit it:\n  {UpdateVariable}=1 dotnet test {TestProject} --filter FullyQualifiedName~PublicApiTests");
        }
    }

    /// <summary>The source baseline, found by walking up from the output folder to RhymeFlow.sln.</summary>
    private static string? SourceBaseline()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RhymeFlow.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "RhymeFlow.Core.Facade.Tests", BaselineFile);
            }
        }

        return null;
    }

    /// <summary>A line diff of two sorted listings: "- " for baseline only, "+ " for assembly only.</summary>
    private static IEnumerable<string> Diff(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        int i = 0, j = 0;
        while (i < expected.Count || j < actual.Count)
        {
            var order = i == expected.Count ? 1 : j == actual.Count ? -1 : string.CompareOrdinal(expected[i], actual[j]);
            if (order == 0)
            {
                i++;
                j++;
            }
            else if (order < 0)
            {
                yield return "- " + expected[i++];
            }
            else
            {
                yield return "+ " + actual[j++];
            }
        }
    }
}
