using System.Reflection;
using System.Reflection.Emit;

namespace Wearables.Application.Tests.Architecture;

/// <summary>What a compiled type refers to, for the architecture tests.</summary>
internal static class TypeReferences
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Types named by base types, interfaces, fields, properties, constructors and methods (not bodies).</summary>
    public static IEnumerable<Type> Signatures(Type type)
    {
        var direct = new List<Type>();
        if (type.BaseType is not null)
        {
            direct.Add(type.BaseType);
        }

        direct.AddRange(type.GetInterfaces());
        direct.AddRange(type.GetFields(All).Select(f => f.FieldType));
        direct.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                direct.Add(info.ReturnType);
            }
        }

        return direct.SelectMany(Expand);
    }

    /// <summary>Every type a type names in its signatures, attributes, locals and method bodies.</summary>
    public static IEnumerable<Type> Of(Type type)
    {
        var found = Signatures(type).ToList();
        found.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        if (type.IsGenericTypeDefinition)
        {
            found.AddRange(type.GetGenericArguments().SelectMany(a => a.GetGenericParameterConstraints()));
        }

        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            found.AddRange(method.GetCustomAttributesData().Select(a => a.AttributeType));
            if (method.GetMethodBody() is { } body)
            {
                found.AddRange(body.LocalVariables.Select(l => l.LocalType));
                found.AddRange(BodyReferences(method, body));
            }
        }

        return found.SelectMany(Expand).Distinct();
    }

    /// <summary>The declaring and signature types of every member token in the method's IL.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method, MethodBody body)
    {
        var il = body.GetILAsByteArray() ?? [];
        var module = method.Module;
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            OpCode opCode;
            if (il[position] == 0xFE)
            {
                opCode = TwoByteOpCodes[il[position + 1]];
                position += 2;
            }
            else
            {
                opCode = OneByteOpCodes[il[position]];
                position += 1;
            }

            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    var member = module.ResolveMember(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                    switch (member)
                    {
                        case Type t:
                            yield return t;
                            break;
                        case FieldInfo f:
                            yield return f.DeclaringType!;
                            yield return f.FieldType;
                            break;
                        case MethodBase m:
                            yield return m.DeclaringType!;
                            foreach (var p in m.GetParameters())
                            {
                                yield return p.ParameterType;
                            }

                            if (m is MethodInfo mi)
                            {
                                yield return mi.ReturnType;
                                if (mi.IsGenericMethod)
                                {
                                    foreach (var a in mi.GetGenericArguments())
                                    {
                                        yield return a;
                                    }
                                }
                            }

                            break;
                    }

                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                default:
                    position += OperandSize(opCode.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    private static readonly OpCode[] OneByteOpCodes = OpCodeTable(twoByte: false);
    private static readonly OpCode[] TwoByteOpCodes = OpCodeTable(twoByte: true);

    private static OpCode[] OpCodeTable(bool twoByte)
    {
        var table = new OpCode[256];
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (twoByte == (code.Size == 2))
            {
                table[value & 0xFF] = code;
            }
        }

        return table;
    }

    public static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType)
        {
            return Expand(type.GetElementType()!);
        }

        return type.IsGenericType && !type.IsGenericTypeDefinition
            ? new[] { type.GetGenericTypeDefinition() }.Concat(type.GetGenericArguments().SelectMany(Expand))
            : [type];
    }

    /// <summary>True when <paramref name="ns"/> is <paramref name="root"/> or a namespace under it.</summary>
    public static bool IsIn(string? ns, string root) =>
        ns is not null && (ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal));

    /// <summary>
    /// "X uses Y" for every type X of <paramref name="assembly"/> under <paramref name="root"/> that
    /// refers to a type Y of the same assembly whose namespace <paramref name="forbidden"/> names, sorted.
    /// </summary>
    public static List<string> Offenders(Assembly assembly, string root, Func<string?, bool> forbidden) => (
        from type in assembly.GetTypes()
        where IsIn(type.Namespace, root)
        from used in Of(type)
        where !used.IsGenericParameter && used.Assembly == assembly && forbidden(used.Namespace)
        select $"{type.FullName} uses {used.FullName}").Distinct().Order(StringComparer.Ordinal).ToList();
}
