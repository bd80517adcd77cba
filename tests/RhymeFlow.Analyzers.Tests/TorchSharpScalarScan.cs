using Mono.Cecil;
using Mono.Cecil.Cil;

namespace RhymeFlow.Analyzers.Tests;

/// <summary>
/// Finds, in TorchSharp's IL, the public members that create a <c>Scalar</c> and leave it to the finalizer: those
/// that call an implicit conversion to Scalar or <c>ToScalar()</c> without storing the result in a local they dispose,
/// and, transitively, those that call such a member.
/// </summary>
/// <remarks>
/// Virtual calls count for the method they name, not for overrides; TorchSharp's Scalar-creating members are all
/// direct calls. The result is written as documentation-comment IDs, the analyzer's list format.
/// </remarks>
internal static class TorchSharpScalarScan
{
    public static IReadOnlyList<string> ScalarCreatingMembers(string torchSharpPath)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(torchSharpPath);
        var methods = assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
        var creating = methods.Where(CreatesUndisposedScalar).ToHashSet();
        var grown = true;
        while (grown)
        {
            grown = false;
            foreach (var method in methods.Where(m => !creating.Contains(m) && Callees(m).Any(creating.Contains)))
            {
                creating.Add(method);
                grown = true;
            }
        }

        return [.. creating.Where(m => m.IsPublic && IsVisible(m.DeclaringType)).Select(DocumentationId).Distinct().Order(StringComparer.Ordinal)];
    }

    private static bool CreatesUndisposedScalar(MethodDefinition method)
    {
        if (method.DeclaringType.FullName is "TorchSharp.Scalar" or "TorchSharp.ScalarExtensionMethods")
        {
            return false; // The factories themselves: their callers own what they return.
        }

        var instructions = method.Body.Instructions;
        var disposed = instructions
            .Where(i => i.OpCode.Code is Code.Call or Code.Callvirt && i.Operand is MethodReference { Name: "Dispose" })
            .Select(i => PrecedingLoad(i))
            .OfType<int>()
            .ToHashSet();
        return instructions.Any(i => i.OpCode.Code == Code.Call && i.Operand is MethodReference callee && IsScalarFactory(callee)
            && !(i.Next is { } next && StoredLocal(next) is int local && disposed.Contains(local)));
    }

    private static bool IsScalarFactory(MethodReference method) =>
        (method.DeclaringType.FullName == "TorchSharp.Scalar" && method.Name == "op_Implicit")
        || (method.DeclaringType.FullName == "TorchSharp.ScalarExtensionMethods" && method.Name == "ToScalar");

    private static IEnumerable<MethodDefinition> Callees(MethodDefinition method) =>
        method.Body.Instructions
            .Where(i => i.OpCode.Code is Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn)
            .Select(i => i.Operand)
            .OfType<MethodReference>()
            .Select(Resolve)
            .OfType<MethodDefinition>();

    private static MethodDefinition? Resolve(MethodReference method)
    {
        try
        {
            return method.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null; // Outside TorchSharp and the framework: cannot create TorchSharp Scalars.
        }
    }

    /// <summary>The local a <c>Dispose</c> call is made on (a <c>using</c> in C#: load, maybe a null check, call).</summary>
    private static int? PrecedingLoad(Instruction dispose)
    {
        for (var (i, steps) = (dispose.Previous, 0); i is not null && steps < 3; (i, steps) = (i.Previous, steps + 1))
        {
            if (LoadedLocal(i) is int local)
            {
                return local;
            }
        }

        return null;
    }

    private static int? LoadedLocal(Instruction i) => i.OpCode.Code switch
    {
        Code.Ldloc_0 => 0,
        Code.Ldloc_1 => 1,
        Code.Ldloc_2 => 2,
        Code.Ldloc_3 => 3,
        Code.Ldloc_S or Code.Ldloc or Code.Ldloca_S or Code.Ldloca => ((VariableDefinition)i.Operand).Index,
        _ => null,
    };

    private static int? StoredLocal(Instruction i) => i.OpCode.Code switch
    {
        Code.Stloc_0 => 0,
        Code.Stloc_1 => 1,
        Code.Stloc_2 => 2,
        Code.Stloc_3 => 3,
        Code.Stloc_S or Code.Stloc => ((VariableDefinition)i.Operand).Index,
        _ => null,
    };

    private static bool IsVisible(TypeDefinition type) => type.IsPublic || (type.IsNestedPublic && IsVisible(type.DeclaringType));

    private static string DocumentationId(MethodDefinition method)
    {
        var name = method.Name == ".ctor" ? "#ctor" : method.Name;
        if (method.HasGenericParameters)
        {
            name += "``" + method.GenericParameters.Count;
        }

        var parameters = method.HasParameters ? "(" + string.Join(",", method.Parameters.Select(p => TypeId(p.ParameterType))) + ")" : string.Empty;
        return "M:" + TypeName(method.DeclaringType) + "." + name + parameters;
    }

    private static string TypeName(TypeReference type) =>
        (type.DeclaringType is null ? (type.Namespace.Length > 0 ? type.Namespace + "." : string.Empty) : TypeName(type.DeclaringType) + ".") + type.Name;

    private static string TypeId(TypeReference type) => type switch
    {
        GenericParameter g => (g.Type == GenericParameterType.Method ? "``" : "`") + g.Position,
        ArrayType a => TypeId(a.ElementType) + "[]",
        ByReferenceType r => TypeId(r.ElementType) + "@",
        GenericInstanceType g => TypeName(g.ElementType).Split('`')[0] + "{" + string.Join(",", g.GenericArguments.Select(TypeId)) + "}",
        _ => TypeName(type),
    };
}
