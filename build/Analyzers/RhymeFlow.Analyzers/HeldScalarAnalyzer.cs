using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace RhymeFlow.Analyzers;

/// <summary>
/// Flags TorchSharp <c>Scalar</c>s that nothing holds while libtorch reads them.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 frees a Scalar only through its finalizer unless someone disposes it, and its wrappers read
/// <c>scalar.Handle</c> before the native call and never touch the Scalar again. From then on the GC may collect the
/// Scalar and free the native value while libtorch still reads it (seen here as <c>toFloat at c10/core/Scalar.h</c>
/// in training runs). A Scalar is safe when something holds it until the call returns: a <c>using</c> local, or a
/// field (cached constants live in static fields). Three rules cover the ways code creates unheld Scalars:
/// RF0001 implicit conversions (<c>t.mul(0.5)</c>), RF0002 TorchSharp members that convert internally
/// (<c>a + b</c> is <c>a.add(b, 1)</c>), and RF0003 explicit creations passed on directly
/// (<c>t.mul(0.5.ToScalar())</c>).
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HeldScalarAnalyzer : DiagnosticAnalyzer
{
    public const string ImplicitConversionId = "RF0001";
    public const string ScalarCreatingMemberId = "RF0002";
    public const string UnheldScalarId = "RF0003";

    private const string Category = "Reliability";
    private const string HoldIt = "declare it with 'using var s = value.ToScalar();' or use a cached constant from a static field (RhymeFlow.Host.Runtime.Scalars)";

    internal static readonly DiagnosticDescriptor ImplicitConversion = new(
        ImplicitConversionId,
        "Implicit conversion to a TorchSharp Scalar that nothing holds",
        "'{0}' becomes a TorchSharp Scalar that only the GC finalizer frees, possibly while libtorch still reads it; " + HoldIt,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "TorchSharp 0.107 passes the Scalar's native handle on and drops the Scalar, so the GC may free it during the native call.");

    internal static readonly DiagnosticDescriptor ScalarCreatingMember = new(
        ScalarCreatingMemberId,
        "TorchSharp member that creates a Scalar internally",
        "'{0}' creates a TorchSharp Scalar internally that only the GC finalizer frees, possibly while libtorch still reads it; {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The member converts a number to a Scalar inside TorchSharp (e.g. the alpha of Tensor.add(Tensor)) and never disposes it.");

    internal static readonly DiagnosticDescriptor UnheldScalar = new(
        UnheldScalarId,
        "TorchSharp Scalar created without an owner",
        "This Scalar is passed on without an owner, so the GC finalizer may free it while libtorch still reads it; " + HoldIt,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A Scalar is held only by a using local or a field; a temporary is collectable as soon as its handle is read.");

    private static readonly ImmutableHashSet<string> ScalarCreatingMemberIds = LoadMemberIds();

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(ImplicitConversion, ScalarCreatingMember, UnheldScalar);

    /// <summary>The documentation-comment IDs of the TorchSharp members that create Scalars internally.</summary>
    public static ImmutableHashSet<string> KnownScalarCreatingMembers => ScalarCreatingMemberIds;

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            if (scalar is null)
            {
                return;
            }

            start.RegisterOperationAction(c => AnalyzeConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => AnalyzeInvocation(c, scalar), OperationKind.Invocation);
            start.RegisterOperationAction(
                AnalyzeMemberUse,
                OperationKind.BinaryOperator,
                OperationKind.UnaryOperator,
                OperationKind.CompoundAssignment,
                OperationKind.ObjectCreation,
                OperationKind.PropertyReference,
                OperationKind.MethodReference);
        });
    }

    private static void AnalyzeConversion(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (!conversion.Conversion.IsUserDefined || !IsScalar(conversion.Type, scalar) || IsHeld(conversion))
        {
            return;
        }

        if (conversion.IsImplicit)
        {
            var source = conversion.Operand.Syntax.ToString();
            context.ReportDiagnostic(Diagnostic.Create(ImplicitConversion, conversion.Syntax.GetLocation(), source));
        }
        else
        {
            context.ReportDiagnostic(Diagnostic.Create(UnheldScalar, conversion.Syntax.GetLocation()));
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        ReportIfScalarCreating(context, method);
        if (IsTorchSharp(method) && method.Name == "ToScalar" && IsScalar(method.ReturnType, scalar) && !IsHeld(invocation))
        {
            context.ReportDiagnostic(Diagnostic.Create(UnheldScalar, invocation.Syntax.GetLocation()));
        }
    }

    private static void AnalyzeMemberUse(OperationAnalysisContext context)
    {
        var member = context.Operation switch
        {
            IBinaryOperation binary => binary.OperatorMethod,
            IUnaryOperation unary => unary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            IObjectCreationOperation creation => creation.Constructor,
            IPropertyReferenceOperation property => property.Property.GetMethod,
            IMethodReferenceOperation reference => reference.Method,
            _ => null,
        };
        if (member is not null)
        {
            ReportIfScalarCreating(context, member);
        }
    }

    private static void ReportIfScalarCreating(OperationAnalysisContext context, IMethodSymbol method)
    {
        if (!IsTorchSharp(method))
        {
            return;
        }

        var id = MemberId(method.ReducedFrom ?? method.OriginalDefinition);
        if (id is not null && ScalarCreatingMemberIds.Contains(id))
        {
            var display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            context.ReportDiagnostic(Diagnostic.Create(ScalarCreatingMember, context.Operation.Syntax.GetLocation(), display, Hint(method)));
        }
    }

    /// <summary>How to get the same native call with held Scalars, keyed by the members this code base meets.</summary>
    private static string Hint(IMethodSymbol method)
    {
        var numberFirst = method.Parameters.Length == 2 && method.Parameters[0].Type.SpecialType != SpecialType.None;
        return method.Name switch
        {
            "op_Addition" when numberFirst => "call x.add(held, Scalars.One) (the same native call)",
            "op_Addition" or "add" or "add_" => "call add/add_ with a held alpha, e.g. a.add(b, Scalars.One) (the same native call)",
            "op_Subtraction" when numberFirst => "number − x is x.negative().add(held, Scalars.One) (the same native calls)",
            "op_Subtraction" => "call x.sub(held) with a held Scalar",
            "op_Multiply" => "call mul with a held Scalar",
            "op_Division" when numberFirst => "number / x is x.reciprocal().mul(held) (the same native calls)",
            "op_Division" => "call div with a held Scalar",
            "op_Modulus" => "call remainder with a held Scalar",
            "addcdiv" or "addcdiv_" or "addcmul" or "addcmul_" => "pass value as a held Scalar",
            "square" => "call pow with a held Scalar (square is pow(2))",
            _ => "call an overload that takes the Scalars, and pass held ones",
        };
    }

    /// <summary>
    /// Whether the Scalar made by <paramref name="creation"/> goes straight into something that keeps it alive past the
    /// native call: a <c>using</c> local or a field/property (assigned or initialized).
    /// </summary>
    private static bool IsHeld(IOperation creation)
    {
        var operation = creation;
        var parent = operation.Parent;
        while (parent is IParenthesizedOperation || (parent is IConversionOperation { Conversion.IsUserDefined: false }))
        {
            operation = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IVariableInitializerOperation initializer => IsUsingDeclaration(initializer.Parent),
            IFieldInitializerOperation or IPropertyInitializerOperation => true,
            ISimpleAssignmentOperation assignment when assignment.Value == operation =>
                assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation,
            _ => false,
        };
    }

    private static bool IsUsingDeclaration(IOperation? declarator)
    {
        var declaration = declarator is IVariableDeclaratorOperation ? declarator.Parent : declarator;
        return declaration is IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation group }
            && group.Parent is IUsingDeclarationOperation or IUsingOperation;
    }

    /// <summary>
    /// The member's documentation-comment ID without the <c>~ReturnType</c> that Roslyn appends to operators, so the
    /// list reads the same as the IL it was derived from.
    /// </summary>
    public static string? MemberId(ISymbol member)
    {
        var id = DocumentationCommentId.CreateDeclarationId(member);
        var returnType = id?.IndexOf('~') ?? -1;
        return returnType < 0 ? id : id!.Substring(0, returnType);
    }

    private static bool IsScalar(ITypeSymbol? type, INamedTypeSymbol scalar) =>
        SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, scalar);

    private static bool IsTorchSharp(IMethodSymbol method) => method.ContainingAssembly?.Name == "TorchSharp";

    private static ImmutableHashSet<string> LoadMemberIds()
    {
        using var stream = typeof(HeldScalarAnalyzer).Assembly.GetManifestResourceStream("RhymeFlow.Analyzers.ScalarCreatingMembers.txt")
            ?? throw new InvalidDataException("RhymeFlow.Analyzers was built without its ScalarCreatingMembers.txt resource.");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("#", System.StringComparison.Ordinal)).ToImmutableHashSet();
    }
}
