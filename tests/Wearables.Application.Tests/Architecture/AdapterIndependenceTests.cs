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
        var offenders = TypeReferences.Offenders(Infrastructure, adapter, ns => others.Any(o => TypeReferences.IsIn(ns, o)));

        Assert.That(offenders, Is.Empty);
    }
}
