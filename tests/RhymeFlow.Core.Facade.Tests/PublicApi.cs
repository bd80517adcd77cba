using System.Globalization;
using System.Reflection;

namespace RhymeFlow.Core.Facade.Tests;

/// <summary>
/// Renders the public surface of an assembly as sorted text, one line per type and member, in the
/// manner of G-Research's ApiSurface: a change to a public signature changes a line of the listing.
/// </summary>
internal static class PublicApi
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<string> Listing(Assembly assembly) =>
        assembly.GetExportedTypes()
            .SelectMany(TypeLines)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Every public constructor, method, property, field and event that a type declares.</summary>
    public static IEnumerable<MemberInfo> Members(Type type)
    {
        // Property and event accessors are shown with their property or event, not as methods.
        var accessors = type.GetProperties(Declared).SelectMany(p => p.GetAccessors())
            .Concat(type.GetEvents(Declared).SelectMany(e => new[] { e.AddMethod, e.RemoveMethod, e.RaiseMethod }.OfType<MethodInfo>()))
            .ToHashSet();
        // Names in angle brackets are compiler-generated (F# debug builds emit "<sumBy>__debug@194" for inlined
        // helpers); they depend on the build configuration and on line numbers, not on the API.
        return type.GetMembers(Declared)
            .Where(m => m is not MethodInfo method || !accessors.Contains(method))
            .Where(m => !m.Name.StartsWith('<'));
    }

    /// <summary>The types a member's signature names: its parameters, its result, its property or field type.</summary>
    public static IEnumerable<Type> SignatureTypes(MemberInfo member) =>
        member switch
        {
            MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
            ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
            PropertyInfo p => p.GetIndexParameters().Select(i => i.ParameterType).Append(p.PropertyType),
            FieldInfo f => [f.FieldType],
            EventInfo e => e.EventHandlerType is { } handler ? [handler] : [],
            _ => [],
        };

    public static string Name(Type type)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return $"{Name(type.GetElementType()!)}[{new string(',', rank - 1)}]";
        }

        if (type.IsByRef)
        {
            return $"ref {Name(type.GetElementType()!)}";
        }

        if (type.IsPointer)
        {
            return $"{Name(type.GetElementType()!)}*";
        }

        var name = type.IsNested ? $"{Name(type.DeclaringType!)}+{type.Name}" : $"{type.Namespace}.{type.Name}";
        var tick = name.LastIndexOf('`');
        if (tick >= 0 && type.IsGenericType)
        {
            // A nested type repeats its declaring type's arguments; show only its own.
            var own = type.GetGenericArguments().Skip(type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0);
            name = $"{name[..tick]}<{string.Join(", ", own.Select(Name))}>";
        }

        return name;
    }

    private static IEnumerable<string> TypeLines(Type type)
    {
        var name = Name(type);
        yield return $"{name} : {Header(type)}";

        foreach (var member in Members(type))
        {
            if (Member(member) is { } line)
            {
                yield return $"{name} :: {line}";
            }
        }
    }

    private static string Header(Type type)
    {
        var kind =
            type.IsEnum ? $"enum {Name(Enum.GetUnderlyingType(type))}"
            : type.IsInterface ? "interface"
            : type.IsValueType ? "struct"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
            : type.IsAbstract && type.IsSealed ? "static class"
            : type.IsAbstract ? "abstract class"
            : type.IsSealed ? "sealed class"
            : "class";

        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && !type.IsEnum)
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? kind : $"{kind} : {string.Join(", ", bases)}";
    }

    private static string? Member(MemberInfo member) =>
        member switch
        {
            ConstructorInfo c => $"{(c.IsStatic ? "static " : "")}.ctor({Parameters(c.GetParameters())})",
            MethodInfo m => $"{Modifiers(m)}{m.Name}{GenericArguments(m)}({Parameters(m.GetParameters())}) : {Name(m.ReturnType)}",
            PropertyInfo p => Property(p),
            FieldInfo f when f.DeclaringType!.IsEnum => f.IsLiteral ? $"{f.Name} = {Convert.ToString(f.GetRawConstantValue(), CultureInfo.InvariantCulture)}" : null,
            FieldInfo f => $"{(f.IsStatic ? "static " : "")}{(f.IsLiteral ? "const " : f.IsInitOnly ? "readonly " : "")}field {f.Name} : {Name(f.FieldType)}",
            EventInfo e => $"event {e.Name} : {Name(e.EventHandlerType!)}",
            Type => null, // listed on its own line by GetExportedTypes
            _ => $"{member.MemberType} {member.Name}",
        };

    private static string Property(PropertyInfo property)
    {
        var getter = property.GetMethod is { IsPublic: true } get ? get : null;
        var setter = property.SetMethod is { IsPublic: true } set ? set : null;
        var accessor = getter ?? setter!;
        var index = property.GetIndexParameters();
        var indexer = index.Length == 0 ? "" : $"[{Parameters(index)}]";
        var accessors = string.Join(" ", new[] { getter is null ? null : "get;", setter is null ? null : "set;" }.OfType<string>());
        return $"{Modifiers(accessor)}property {property.Name}{indexer} : {Name(property.PropertyType)} {{ {accessors} }}";
    }

    private static string Modifiers(MethodInfo method)
    {
        var modifiers = method.IsStatic ? "static " : "";
        if (method.IsAbstract)
        {
            modifiers += "abstract ";
        }
        else if (method.IsVirtual && !method.IsFinal)
        {
            modifiers += method.GetBaseDefinition().DeclaringType == method.DeclaringType ? "virtual " : "override ";
        }

        return modifiers;
    }

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(Name))}>" : "";

    private static string Parameters(IEnumerable<ParameterInfo> parameters) =>
        string.Join(", ", parameters.Select(Parameter));

    private static string Parameter(ParameterInfo parameter)
    {
        var text = $"{(parameter.IsOut ? "out " : "")}{Name(parameter.ParameterType)} {parameter.Name}";
        return parameter.HasDefaultValue ? $"{text} = {Literal(parameter.ParameterType, parameter.RawDefaultValue)}" : text;
    }

    private static string Literal(Type type, object? value) =>
        value switch
        {
            null => "null",
            _ when type.IsEnum => $"{Name(type)}.{Enum.ToObject(type, value)}",
            string s => $"\"{s}\"",
            bool b => b ? "true" : "false",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
}
