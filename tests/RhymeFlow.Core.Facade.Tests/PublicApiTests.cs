using System.Reflection;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Microsoft.FSharp.Reflection;
using Xunit;

namespace RhymeFlow.Core.Facade.Tests;

/// <summary>
/// Locks the public surface of RhymeFlow.Core to <c>PublicApi.baseline.txt</c> beside this file, and
/// checks that the C# facade classes speak C#: no F# list, option, function or union type in their
/// signatures.
/// </summary>
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

    [Fact]
    public void EveryPublicClassIsEitherFacadeOrFSharpApi()
    {
        // A new public class must be placed in one list or the other, so the leak check sees it.
        var classes = Core.GetExportedTypes().Where(t => !t.IsEnum && Construct(t) == SourceConstructFlags.ObjectType);
        Assert.Equal(
            FacadeClasses.Concat(FSharpApiClasses).Select(PublicApi.Name).Order(StringComparer.Ordinal),
            classes.Select(PublicApi.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FacadeSignaturesUseNoFSharpListOptionFunctionOrUnion()
    {
        var leaks = (
            from type in FacadeClasses
            from member in PublicApi.Members(type)
            from signatureType in PublicApi.SignatureTypes(member)
            from part in Parts(signatureType)
            let reason = FSharpOnly(part)
            where reason is not null
            select $"{PublicApi.Name(type)}.{member.Name}: {PublicApi.Name(signatureType)} ({reason})")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(leaks.Count == 0, "F# types in the C# facade:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void TheLeakCheckRecognisesFSharpTypes()
    {
        Assert.Equal("F# list", FSharpOnly(typeof(FSharpList<int>)));
        Assert.Equal("F# option", FSharpOnly(typeof(FSharpOption<int>)));
        Assert.Equal("F# option", FSharpOnly(typeof(FSharpValueOption<int>)));
        Assert.Equal("F# function", FSharpOnly(typeof(FSharpFunc<int, int>)));
        Assert.Equal("F# union", FSharpOnly(typeof(Solver)));
        Assert.Equal("F# union", FSharpOnly(typeof(FSharpResult<int, string>)));
        Assert.Null(FSharpOnly(typeof(SolverKind)));
        Assert.Null(FSharpOnly(typeof(IReadOnlyList<int>)));
        Assert.Contains(typeof(FSharpList<int>), Parts(typeof(IReadOnlyList<FSharpList<int>[]>)));
    }

    /// <summary>The C# facade's classes; its enums cannot carry F# types.</summary>
    private static readonly Type[] FacadeClasses =
    [
        typeof(Schedules),
        typeof(ScheduleSpec),
        typeof(PreparedPlan),
        typeof(PlanView),
        typeof(EvaluationView),
        typeof(FrameTransitionView),
        typeof(PlanCostView),
        typeof(Geometries),
        typeof(TokenReductions),
        typeof(TokenReductionSpec),
        typeof(TokenReductionSchedule),
        typeof(RedundancyTierTable),
        typeof(StepCachePolicies),
        typeof(StepCacheBatchState),
        typeof(StepCacheDecision),
        typeof(StudyPlan),
        typeof(StudyRowPlan),
        typeof(StudyJobPlan),
        typeof(StudyJob),
        typeof(JobResultRecord),
        typeof(JobComparisonRecord),
        typeof(JobPair),
        typeof(StudyJobTable),
        typeof(StudyRowTallyView),
        typeof(JobFailure),
    ];

    /// <summary>The opaque classes of the F# API (beside its modules, records and unions).</summary>
    private static readonly Type[] FSharpApiClasses = [typeof(KeyframeSet), typeof(Prepared), typeof(ReductionSchedule)];

    private static SourceConstructFlags? Construct(Type type) =>
        type.GetCustomAttribute<CompilationMappingAttribute>()?.SourceConstructFlags & SourceConstructFlags.KindMask;

    /// <summary>A type and, recursively, its element and generic argument types.</summary>
    private static IEnumerable<Type> Parts(Type type)
    {
        yield return type;

        var inner = type.HasElementType ? [type.GetElementType()!] : type.IsGenericType ? type.GetGenericArguments() : [];
        foreach (var part in inner.SelectMany(Parts))
        {
            yield return part;
        }
    }

    private static string? FSharpOnly(Type type)
    {
        if (!type.IsGenericType || type.IsGenericParameter)
        {
            return type.IsGenericParameter ? null : Union(type);
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(FSharpList<>) ? "F# list"
            : definition == typeof(FSharpOption<>) || definition == typeof(FSharpValueOption<>) ? "F# option"
            : definition == typeof(FSharpFunc<,>) || FSharpType.IsFunction(type) ? "F# function"
            : Union(type);
    }

    private static string? Union(Type type) =>
        FSharpType.IsUnion(type, BindingFlags.Public | BindingFlags.NonPublic) ? "F# union"
        : type.BaseType is { IsGenericType: true } baseType && baseType.GetGenericTypeDefinition() == typeof(FSharpFunc<,>) ? "F# function"
        : null;

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
