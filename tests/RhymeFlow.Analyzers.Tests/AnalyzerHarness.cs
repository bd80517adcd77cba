using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RhymeFlow.Analyzers.Tests;

/// <summary>Compiles a C# sample against TorchSharp and runs the analyzer on it.</summary>
internal static partial class AnalyzerHarness
{
    /// <summary>The TorchSharp the host builds against, as the test project references the same package.</summary>
    public static string TorchSharpPath { get; } = typeof(TorchSharp.Scalar).Assembly.Location;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return
        [
            .. Directory.EnumerateFiles(framework, "*.dll")
                .Where(f => Path.GetFileName(f) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll"))
                .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)),
            MetadataReference.CreateFromFile(TorchSharpPath),
        ];
    });

    public static CSharpCompilation Compile(string source) =>
        CSharpCompilation.Create(
            "Sample",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Sample.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The analyzer's diagnostics on <paramref name="source"/>, after checking that the sample compiles.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source)
    {
        var compilation = Compile(source);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, "The sample does not compile:\n" + string.Join("\n", errors.Select(e => e.ToString())));
        var analyzed = compilation.WithAnalyzers([new HeldScalarAnalyzer()]);
        return await analyzed.GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>
    /// Checks the analyzer's diagnostics against the sample's own expectations: a line that ends in
    /// <c>// RF0001 RF0002</c> expects exactly those diagnostics starting on it, every other line none.
    /// </summary>
    public static async Task AssertMarkedDiagnosticsAsync(string source)
    {
        var diagnostics = await AnalyzeAsync(source);
        var lines = source.Split('\n');
        var expected = lines
            .Select((line, index) => (Line: index, Ids: Expectation().Match(line) is { Success: true } m
                ? m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray()
                : []))
            .Where(e => e.Ids.Length > 0)
            .Select(e => $"{e.Line + 1}: {string.Join(" ", e.Ids)}");
        var actual = diagnostics
            .GroupBy(d => d.Location.GetLineSpan().StartLinePosition.Line)
            .OrderBy(g => g.Key)
            .Select(g => $"{g.Key + 1}: {string.Join(" ", g.Select(d => d.Id).Order(StringComparer.Ordinal))}");
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
    }

    [GeneratedRegex(@"//\s*((?:RF\d{4}\s*)+)$")]
    private static partial Regex Expectation();
}
