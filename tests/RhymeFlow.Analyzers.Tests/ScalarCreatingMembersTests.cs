using Microsoft.CodeAnalysis;

namespace RhymeFlow.Analyzers.Tests;

/// <summary>The analyzer's member list (ScalarCreatingMembers.txt) against the TorchSharp the host builds with.</summary>
public sealed class ScalarCreatingMembersTests
{
    [Fact]
    public void The_list_is_what_TorchSharp_IL_says()
    {
        var scanned = TorchSharpScalarScan.ScalarCreatingMembers(AnalyzerHarness.TorchSharpPath);
        var listed = HeldScalarAnalyzer.KnownScalarCreatingMembers;
        var missing = scanned.Except(listed).ToArray();
        var stale = listed.Except(scanned).Order(StringComparer.Ordinal).ToArray();
        Assert.True(
            missing.Length == 0 && stale.Length == 0,
            $"build/Analyzers/RhymeFlow.Analyzers/ScalarCreatingMembers.txt no longer matches {AnalyzerHarness.TorchSharpPath}.\n"
            + $"Missing:\n  {string.Join("\n  ", missing)}\nNo longer creating Scalars:\n  {string.Join("\n  ", stale)}\n"
            + $"The whole list:\n{string.Join("\n", scanned)}");
    }

    [Fact]
    public void Every_listed_member_is_a_TorchSharp_member()
    {
        var compilation = AnalyzerHarness.Compile("class Empty { }");
        var unresolved = HeldScalarAnalyzer.KnownScalarCreatingMembers
            .Where(id => DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation) is not { ContainingAssembly.Name: "TorchSharp" } member
                || HeldScalarAnalyzer.MemberId(member) != id)
            .ToArray();
        Assert.Empty(unresolved);
    }

    [Fact]
    public void The_members_behind_the_crashes_are_listed()
    {
        // Tensor + Tensor is add(target, 1) and add_(Scalar) is add_(scalar, 1): the two sites seen failing.
        Assert.Contains("M:TorchSharp.torch.Tensor.op_Addition(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)", HeldScalarAnalyzer.KnownScalarCreatingMembers);
        Assert.Contains("M:TorchSharp.torch.Tensor.add_(TorchSharp.Scalar)", HeldScalarAnalyzer.KnownScalarCreatingMembers);
        // Tensor − Tensor calls THSTensor_sub without an alpha, so it creates none.
        Assert.DoesNotContain("M:TorchSharp.torch.Tensor.op_Subtraction(TorchSharp.torch.Tensor,TorchSharp.torch.Tensor)", HeldScalarAnalyzer.KnownScalarCreatingMembers);
    }
}
