using System.Reflection;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Application.Tests.Architecture;

/// <summary>
/// The store adapters (SQLite, Redis, the FHIR server) are alternatives to one another: what two of
/// them share (the Endpoint codec) lives in <c>Infrastructure.Connections</c>, not inside one of
/// them. An adapter that names another one's type would make choosing a store choose two.
/// </summary>
public sealed class AdapterIndependenceTests
{
    private const string Root = "Wearables.Infrastructure";

    private static readonly Assembly Infrastructure = typeof(EndpointCodec).Assembly;

    private static readonly string[] Adapters = [Root + ".Sqlite", Root + ".Redis", Root + ".Fhir"];

    [Test]
    public void TheScan_SeesTheSharedCodecInTheSqliteRepository()
    {
        // Not vacuous: the SQLite repository does use the shared codec, and the scan sees it.
        Assert.That(TypeReferences.Of(typeof(SqliteConnectionRepository)), Does.Contain(typeof(EndpointCodec)));
    }

    [TestCaseSource(nameof(Adapters))]
    public void NoTypeOfAnAdapter_ReferencesAnotherAdapter(string adapter)
    {
        var others = Adapters.Where(a => a != adapter).ToArray();
        var offenders = (
            from type in Infrastructure.GetTypes()
            where IsIn(type.Namespace, adapter)
            from used in TypeReferences.Of(type)
            where !used.IsGenericParameter && used.Assembly == Infrastructure && others.Any(o => IsIn(used.Namespace, o))
            select $"{type.FullName} uses {used.FullName}").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.That(offenders, Is.Empty);
    }

    private static bool IsIn(string? ns, string root) =>
        ns is not null && (ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal));
}
