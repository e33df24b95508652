using System.Reflection;
using Wearables.Api.Controllers;
using Wearables.Application;
using Wearables.Domain.Connections;

namespace Wearables.Application.Tests.Architecture;

/// <summary>
/// Dependencies point inwards only: Domain ← Application ← Infrastructure ← Api. Checked on the
/// compiled assemblies' references, so a stray <c>using</c> or package reference fails here.
/// </summary>
public sealed class LayerDependencyTests
{
    private static readonly Assembly Domain = typeof(Connection).Assembly;
    private static readonly Assembly Application = typeof(DependencyInjection).Assembly;
    private static readonly Assembly Infrastructure = typeof(Wearables.Infrastructure.DependencyInjection).Assembly;
    private static readonly Assembly Api = typeof(CredentialsController).Assembly;

    private static readonly string[] TechnologyAssemblies =
    [
        "Microsoft.AspNetCore",
        "StackExchange.Redis",
        "Microsoft.Data.Sqlite",
        "SQLitePCLRaw",
        "Polly",
        "Serilog",
        "NSwag",
    ];

    [Test]
    public void Domain_ReferencesOnlyTheBaseClassLibrary()
    {
        var foreign = ReferenceNames(Domain).Where(n => !IsBaseClassLibrary(n)).ToList();

        Assert.That(foreign, Is.Empty, "Domain must reference nothing but System.*");
    }

    [Test]
    public void Application_ReferencesOnlyDomainAndItsAllowedPackages()
    {
        var names = ReferenceNames(Application);
        var foreign = names
            .Where(n => !IsBaseClassLibrary(n)
                && n != Domain.GetName().Name
                && n is not ("MediatR" or "AutoMapper" or "FluentValidation" or "FluentValidation.DependencyInjectionExtensions")
                && !n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal))
            .ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(foreign, Is.Empty, "Application may reference Domain, MediatR, AutoMapper, FluentValidation and Microsoft.Extensions.* only");
            Assert.That(names, Does.Contain(Domain.GetName().Name), "sanity: Application builds on Domain");
        }
    }

    [Test]
    public void Infrastructure_DoesNotReferenceApi()
    {
        var names = ReferenceNames(Infrastructure);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(names, Does.Not.Contain(Api.GetName().Name));
            Assert.That(names, Does.Contain(Application.GetName().Name), "sanity: Infrastructure implements Application's ports");
        }
    }

    [Test]
    public void Api_ReferencesInfrastructure_SoTheReferenceCheckSeesRealEdges()
    {
        // Guards the other tests against passing vacuously (e.g. an empty reference list).
        Assert.That(ReferenceNames(Api), Does.Contain(Infrastructure.GetName().Name));
    }

    [TestCase("Domain")]
    [TestCase("Application")]
    public void InnerLayer_DoesNotReferenceWebOrStorageTechnology(string layer)
    {
        var assembly = layer == "Domain" ? Domain : Application;

        var technology = ReferenceNames(assembly)
            .Where(n => TechnologyAssemblies.Any(t => n.StartsWith(t, StringComparison.Ordinal)))
            .ToList();

        Assert.That(technology, Is.Empty);
    }

    [TestCase("Domain")]
    [TestCase("Application")]
    public void InnerLayer_HasNoTypeFromAnOuterLayerInItsPublicSurface(string layer)
    {
        var assembly = layer == "Domain" ? Domain : Application;
        var outer = new[] { Infrastructure.GetName().Name, Api.GetName().Name }
            .Concat(layer == "Domain" ? [Application.GetName().Name!] : Array.Empty<string>())
            .ToHashSet(StringComparer.Ordinal);

        var offenders = (
            from type in assembly.GetTypes()
            from used in TypeReferences.Signatures(type)
            let owner = used.Assembly.GetName().Name!
            where outer.Contains(owner) || TechnologyAssemblies.Any(t => owner.StartsWith(t, StringComparison.Ordinal))
            select $"{type.FullName} uses {used.FullName}").Distinct().ToList();

        Assert.That(offenders, Is.Empty);
    }

    private static List<string> ReferenceNames(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

    private static bool IsBaseClassLibrary(string name) =>
        name is "System" or "netstandard" || name.StartsWith("System.", StringComparison.Ordinal);
}
