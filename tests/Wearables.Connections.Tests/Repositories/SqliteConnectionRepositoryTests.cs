using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The embedded store, on a SQLite file of its own.</summary>
[TestFixture]
public sealed class SqliteConnectionRepositoryTests : ConnectionRepositoryContract
{
    private readonly TempDirectory directory = new("wearables-connections-tests");

    protected override Task<IConnectionRepository> CreateRepositoryAsync() =>
        Task.FromResult<IConnectionRepository>(new SqliteConnectionRepository(new SqliteDatabase(directory.File(SqliteDatabase.FileName)), TestCodec.Instance, TimeProvider.System));

    protected override async Task<string> StoredResourceAsync(Connection saved)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = directory.File(SqliteDatabase.FileName), Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT resource FROM connections WHERE id = $id";
        select.Parameters.AddWithValue("$id", saved.Id.ToString("D"));
        return (string)(await select.ExecuteScalarAsync())!;
    }

    private SqliteConnectionRepository Open() =>
        new(new SqliteDatabase(directory.File(SqliteDatabase.FileName)), TestCodec.Instance, TimeProvider.System);

    /// <summary>A repeated read answers from the decode kept for the row's version: every field again, in an instance of its own.</summary>
    [TestCaseSource(typeof(ConnectionVariants), nameof(ConnectionVariants.All))]
    public async Task Find_Repeated_AnswersEveryStoredField_InAFreshInstanceEachTime(string variant)
    {
        var saved = ConnectionVariants.Build(variant, Project, NewId("pat"));
        await Repository.SaveAsync(saved, None);

        var first = await Repository.FindAsync(Project, saved.PatientId, saved.Provider, None);
        first!.MarkExpired(ConnectionVariants.T0.AddDays(9));
        first.SetVersion("999");
        var again = await Repository.FindAsync(Project, saved.PatientId, saved.Provider, None);

        Assert.That(again, Is.Not.SameAs(first), "a caller's changes stay its own");
        ConnectionVariants.AssertSameFields(again!, saved);
        Assert.That(again!.Version, Is.EqualTo(saved.Version));
    }

    /// <summary>
    /// Two service instances on one file: every kind of write by either is seen by the other's next read
    /// (refresh, revoke, expiry, disconnect, re-connect), whatever each kept from its earlier reads.
    /// </summary>
    [Test]
    public async Task Find_AfterEveryKindOfWrite_ByThisOrAnotherInstance_AnswersTheStoredConnection()
    {
        var instances = new[] { Open(), Open() };
        var patient = NewId("pat");
        var connection = ConnectionVariants.Build("oauth-active", Project, patient);
        await instances[0].SaveAsync(connection, None);
        var at = ConnectionVariants.T0.AddDays(1);
        OAuthGrant Grant(string tag) => new("wv1.k1.ACCESS-" + tag, "wv1.k1.REFRESH-" + tag, at.AddHours(6), "read", "athlete-1", "runner");
        Action<Connection>[] writes =
        [
            c => c.Refreshed(Grant("refreshed"), at),
            c => c.MarkExpired(at),
            c => c.Authorize(Grant("reconnected"), "https://www.strava.com/api/v3", at), // a re-connect re-activates
            c => c.Revoke(at), // disconnect
            c => c.Authorize(Grant("again"), "https://www.strava.com/api/v3", at),
            c => c.Refreshed(Grant("refreshed-again"), at),
        ];

        for (var i = 0; i < writes.Length; i++)
        {
            // Both instances hold a decode of the current version before the write.
            foreach (var instance in instances)
            {
                ConnectionVariants.AssertSameFields((await instance.FindAsync(Project, patient, "strava", None))!, connection);
            }

            var writer = instances[i % 2];
            var current = (await writer.FindAsync(Project, patient, "strava", None))!;
            writes[i](current);
            at = at.AddMinutes(1);
            await writer.SaveAsync(current, None);
            connection = current;

            foreach (var instance in instances)
            {
                var found = await instance.FindAsync(Project, patient, "strava", None);
                ConnectionVariants.AssertSameFields(found!, connection);
                Assert.That(found!.Version, Is.EqualTo(connection.Version), $"write {i}");
            }
        }
    }

    [OneTimeTearDown]
    public void DeleteDatabase() => directory.Dispose();
}
