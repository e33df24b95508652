using System.Reflection;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;

namespace Wearables.Application.Tests.Architecture;

/// <summary>
/// <c>Wearables.Application.Common</c> is what every feature builds on, so it must not build on a
/// feature: a port or behavior in Common that names a feature's type ties features together that
/// never meant to meet (and makes a namespace cycle). Checked on the compiled code: signatures,
/// attributes, locals and every type, method or field a method body touches.
/// </summary>
public sealed class FeatureIndependenceTests
{
    private const string Root = "Wearables.Application";
    private const string Common = Root + ".Common";

    private static readonly Assembly Application = typeof(DependencyInjection).Assembly;

    /// <summary>The features: every first-level namespace under the application except Common.</summary>
    private static readonly HashSet<string> Features = Application.GetTypes()
        .Select(t => t.Namespace)
        .OfType<string>()
        .Where(n => n.StartsWith(Root + ".", StringComparison.Ordinal))
        .Select(n => Root + "." + n[(Root.Length + 1)..].Split('.')[0])
        .Where(n => n != Common)
        .ToHashSet(StringComparer.Ordinal);

    [Test]
    public void TheApplication_HasFeatures_SoTheCheckBelowIsNotVacuous()
    {
        Assert.That(Features, Is.SupersetOf(new[] { Root + ".Connections", Root + ".Credentials", Root + ".Settings", Root + ".ApiKeys", Root + ".Providers" }));
    }

    [Test]
    public void TheScan_SeesWhatOnlyAMethodBodyUses()
    {
        // RequestedProvider names NotFoundException nowhere but inside Resolve.
        Assert.That(TypeReferences.Of(typeof(RequestedProvider)), Does.Contain(typeof(NotFoundException)));
    }

    [Test]
    public void NoTypeInCommon_ReferencesATypeOfAFeature()
    {
        var offenders = TypeReferences.Offenders(Application, Common, ns => Features.Any(f => TypeReferences.IsIn(ns, f)));

        Assert.That(offenders, Is.Empty);
    }
}
