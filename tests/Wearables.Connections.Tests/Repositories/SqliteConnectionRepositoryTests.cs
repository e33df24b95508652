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
        await using var connection = await OpenFileAsync();
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

    /// <summary>
    /// Two service instances on one file, and writes made behind both (a tool on the file): every one is in the
    /// next list of either instance, whatever each kept from its earlier lists (the stamp rows, ConnectionListStamps).
    /// </summary>
    [Test]
    public async Task List_AfterEveryKindOfWrite_ByThisOrAnotherInstanceOrATool_ListsTheStoredRows()
    {
        var instances = new[] { Open(), Open() };
        var patient = NewId("pat");
        var other = NewId("pat");
        var at = ConnectionVariants.T0;
        OAuthGrant Grant(string tag) => new("wv1.k1.ACCESS-" + tag, "wv1.k1.REFRESH-" + tag, at.AddHours(6), "read", "athlete-" + tag, "runner");
        Connection New(string provider)
        {
            var connection = Connection.Create(Project, patient, provider, ConnectionSource.OAuth, at);
            connection.Authorize(Grant(provider), "https://example.test", at);
            return connection;
        }

        Func<Task>[] writes =
        [
            () => instances[0].SaveAsync(New("strava"), None),
            () => instances[1].SaveAsync(New("polar"), None), // a connection added by the other instance
            async () => // a refresh
            {
                var found = (await instances[0].FindAsync(Project, patient, "strava", None))!;
                found.Refreshed(Grant("refreshed"), at.AddMinutes(5));
                await instances[0].SaveAsync(found, None);
            },
            async () => // a disconnect, by the other instance
            {
                var found = (await instances[1].FindAsync(Project, patient, "polar", None))!;
                found.Revoke(at.AddMinutes(6));
                await instances[1].SaveAsync(found, None);
            },
            () => ExecuteAsync("UPDATE connections SET provider = 'oura' WHERE project_id = $p AND patient_id = $pt AND provider = 'polar'", patient), // a tool, version unchanged
            () => ExecuteAsync("UPDATE connections SET patient_id = $other WHERE project_id = $p AND patient_id = $pt AND provider = 'oura'", patient, other), // moved to another user
            () => ExecuteAsync("DELETE FROM connections WHERE project_id = $p AND patient_id = $pt AND provider = 'strava'", patient), // removed
            () => instances[1].SaveAsync(New("whoop"), None),
        ];

        foreach (var (write, i) in writes.Select((w, i) => (w, i)))
        {
            // Both instances keep the lists as they are before the write.
            foreach (var instance in instances)
            {
                await instance.ListSummariesByPatientAsync(Project, patient, None);
                await instance.ListSummariesByPatientAsync(Project, other, None);
            }

            await write();

            foreach (var (instance, n) in instances.Select((x, n) => (x, n)))
            {
                foreach (var user in new[] { patient, other })
                {
                    var listed = await instance.ListSummariesByPatientAsync(Project, user, None);
                    Assert.That(listed.Select(c => (c.Provider, c.Status, c.UpdatedAt)), Is.EqualTo(await StoredRowsAsync(user)), $"write {i}, instance {n}, {user}");
                }
            }
        }

        Assert.That(await StoredRowsAsync(other), Has.Count.EqualTo(1), "the moved connection is the other user's");
    }

    /// <summary>Without a write, a list is the same answer instance (what the API keeps the JSON of); a user's first connection ends an empty list.</summary>
    [Test]
    public async Task List_Repeated_WithoutAWrite_AnswersTheSameInstance_AndAFirstConnectionEndsAnEmptyList()
    {
        var patient = NewId("pat");
        var instance = Open();
        Assert.That(await instance.ListSummariesByPatientAsync(Project, patient, None), Is.Empty);
        var connection = Connection.Create(Project, patient, "strava", ConnectionSource.OAuth, ConnectionVariants.T0);
        connection.Authorize(new OAuthGrant("wv1.k1.A", null, null, "read", "u-1", null), "https://example.test", ConnectionVariants.T0);
        await Open().SaveAsync(connection, None);

        var first = await instance.ListSummariesByPatientAsync(Project, patient, None);
        var again = await instance.ListSummariesByPatientAsync(Project, patient, None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Select(c => c.Provider), Is.EqualTo(new[] { "strava" }));
            Assert.That(again, Is.SameAs(first));
        }
    }

    /// <summary>The list's rows as the file holds them, decoded afresh: (provider, status, updated), by provider.</summary>
    private async Task<List<(string Provider, ConnectionStatus Status, DateTimeOffset UpdatedAt)>> StoredRowsAsync(string patient)
    {
        var rows = (await Open().ListByPatientAsync(Project, patient, None)).Select(ConnectionSummary.Of).ToList();

        // The provider column, not the resource: a tool may have changed the one without the other.
        var providers = new List<string>();
        await using (var db = await OpenFileAsync())
        {
            await using var select = db.CreateCommand();
            select.CommandText = "SELECT provider FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider";
            select.Parameters.AddWithValue("$p", Project);
            select.Parameters.AddWithValue("$pt", patient);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                providers.Add(reader.GetString(0));
            }
        }

        return providers.Zip(rows, (provider, row) => (provider, row.Status, row.UpdatedAt)).ToList();
    }

    private async Task ExecuteAsync(string sql, string patient, string? other = null)
    {
        await using var db = await OpenFileAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", Project);
        command.Parameters.AddWithValue("$pt", patient);
        if (other is not null)
        {
            command.Parameters.AddWithValue("$other", other);
        }

        Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1), sql);
    }

    /// <summary>The test's file, opened as a tool would (no pool).</summary>
    private async Task<SqliteConnection> OpenFileAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = directory.File(SqliteDatabase.FileName), Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    [OneTimeTearDown]
    public void DeleteDatabase() => directory.Dispose();
}
