using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;
using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// The embedded store on a file written before the listed fields had columns of their own, and
/// next to a build that does not know them: nothing listed may change.
/// </summary>
[TestFixture]
public sealed class SqliteConnectionSchemaTests
{
    /// <summary>The connections table as the first schema created it.</summary>
    private const string FirstSchema = """
        CREATE TABLE connections (
            id TEXT NOT NULL PRIMARY KEY, project_id TEXT NOT NULL, patient_id TEXT NOT NULL, provider TEXT NOT NULL,
            version INTEGER NOT NULL, resource TEXT NOT NULL, updated_at TEXT NOT NULL,
            UNIQUE (project_id, patient_id, provider));
        """;

    private const string Project = "proj-schema";

    private TempDirectory directory = null!;

    [SetUp]
    public void CreateDirectory() => directory = new TempDirectory("wearables-connections-tests");

    [TearDown]
    public void DeleteDirectory() => directory.Dispose();

    [Test]
    public async Task Open_AFileOfTheFirstSchema_FillsTheListColumnsAndListsEveryFieldAsBefore()
    {
        // Every variant, plus enough rows for more than one batch of the fill.
        var written = ConnectionVariants.All.Select((v, i) => ConnectionVariants.Build(v, Project, $"pat-{i}")).ToList();
        for (var i = 0; i < 1_100; i++)
        {
            var filler = Connection.Create(Project, $"filler-{i / 100}", $"provider_{i % 100}", ConnectionSource.OAuth, ConnectionVariants.T0);
            filler.Authorize(new OAuthGrant("wv1.k1.A", null, null, "read", $"u-{i}", null), "https://example.test", ConnectionVariants.T0.AddSeconds(i));
            written.Add(filler);
        }

        var path = await WriteFirstSchemaFileAsync(written);

        var repository = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);

        using (Assert.EnterMultipleScope())
        {
            foreach (var patient in written.GroupBy(c => c.PatientId))
            {
                var expected = patient.OrderBy(c => c.Provider, StringComparer.Ordinal).ToList();
                Assert.That(await repository.ListSummariesByPatientAsync(Project, patient.Key, CancellationToken.None), Is.EqualTo(expected.Select(ConnectionSummary.Of)), patient.Key);
                var full = await repository.ListByPatientAsync(Project, patient.Key, CancellationToken.None);
                Assert.That(full, Has.Count.EqualTo(expected.Count));
                foreach (var (actual, original) in full.Zip(expected))
                {
                    ConnectionVariants.AssertSameFields(actual, original);
                }
            }

            Assert.That(await ScalarAsync(path, "PRAGMA user_version"), Is.EqualTo(SqliteDatabase.SchemaVersion).And.EqualTo(4), "every step ran once");
            Assert.That(await ScalarAsync(path, "SELECT COUNT(*) FROM connections WHERE listed_version IS NOT version"), Is.Zero, "every row filled once, at start");
            Assert.That(await ScalarAsync(path, "SELECT COUNT(*) FROM connection_lists"), Is.EqualTo(written.Select(c => c.PatientId).Distinct().Count()), "a list stamp for every user stored");
            Assert.That(await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'connections'"), Is.EqualTo(3), "insert, update, delete");
            Assert.That(await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'connections_list_stamp'"), Is.Zero, "the earlier stamp's index is gone");
        }
    }

    [Test]
    public async Task Open_AFileOfTheFirstSchema_KeepsItWritable_AndOpensAgainWithoutChange()
    {
        var original = ConnectionVariants.Build("oauth-synced", Project, "pat-1");
        var path = await WriteFirstSchemaFileAsync([original]);
        var repository = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);

        var loaded = ConnectionStates.Revoked((await repository.FindAsync(Project, "pat-1", original.Provider, CancellationToken.None))!, ConnectionVariants.T0.AddDays(9));
        await repository.SaveAsync(loaded, CancellationToken.None);
        var added = ConnectionVariants.Build("junction-error", Project, "pat-1");
        await repository.SaveAsync(added, CancellationToken.None);

        var reopened = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);
        var listed = await reopened.ListSummariesByPatientAsync(Project, "pat-1", CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed, Is.EqualTo(new[] { ConnectionSummary.Of(added), ConnectionSummary.Of(loaded) }));
            Assert.That(await ScalarAsync(path, "PRAGMA user_version"), Is.EqualTo(SqliteDatabase.SchemaVersion).And.EqualTo(4), "every step ran once");
        }
    }

    [Test]
    public async Task List_RowsWrittenByABuildWithoutTheListColumns_AreListedFromTheirJson()
    {
        // Such a build inserts rows without the columns and updates only resource and version.
        var path = directory.File(SqliteDatabase.FileName);
        var repository = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);
        var updated = ConnectionVariants.Build("oauth-active", Project, "pat-1");
        await repository.SaveAsync(updated, CancellationToken.None);
        var inserted = ConnectionVariants.Build("junction-disconnected", Project, "pat-1");
        var scratch = await RowsAsWrittenAsync([inserted]);

        updated = ConnectionStates.Expired(ConnectionStates.Synced(updated, ConnectionVariants.T0.AddDays(3)), ConnectionVariants.T0.AddDays(4));
        var newer = (await RowsAsWrittenAsync([Connection.Restore(ConnectionStates.Snapshot(updated) with { Version = null })])).Single();
        await using (var connection = await OpenAsync(path))
        {
            await ExecuteAsync(connection, "UPDATE connections SET version = version + 1, resource = $resource WHERE id = $id", ("$resource", newer.Resource), ("$id", newer.Id));
            await InsertFirstSchemaRowsAsync(connection, scratch);
        }

        var listed = await repository.ListSummariesByPatientAsync(Project, "pat-1", CancellationToken.None);
        Assert.That(listed, Is.EqualTo(new[] { ConnectionSummary.Of(inserted), ConnectionSummary.Of(updated) }));
    }

    /// <summary>A file with the first schema holding <paramref name="connections"/> as the first build wrote them.</summary>
    private async Task<string> WriteFirstSchemaFileAsync(IReadOnlyList<Connection> connections)
    {
        var rows = await RowsAsWrittenAsync(connections);
        var path = directory.File(SqliteDatabase.FileName);
        await using var connection = await OpenAsync(path);
        await ExecuteAsync(connection, FirstSchema);
        await InsertFirstSchemaRowsAsync(connection, rows);
        return path;
    }

    /// <summary>
    /// The first schema's columns of each connection, as the repository writes them (the Endpoint
    /// JSON is the same as before the list columns), through a scratch file.
    /// </summary>
    private async Task<List<FirstSchemaRow>> RowsAsWrittenAsync(IReadOnlyList<Connection> connections)
    {
        var path = directory.File("scratch-" + Guid.NewGuid().ToString("N") + ".db");
        var scratch = new SqliteConnectionRepository(new SqliteDatabase(path), TestCodec.Instance, TimeProvider.System);
        foreach (var connection in connections)
        {
            await scratch.SaveAsync(connection, CancellationToken.None);
        }

        var rows = new List<FirstSchemaRow>();
        await using var db = await OpenAsync(path);
        await using var select = db.CreateCommand();
        select.CommandText = "SELECT id, project_id, patient_id, provider, version, resource, updated_at FROM connections ORDER BY rowid";
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new FirstSchemaRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    private static async Task InsertFirstSchemaRowsAsync(SqliteConnection connection, IEnumerable<FirstSchemaRow> rows)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var row in rows)
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = (SqliteTransaction)transaction;
            insert.CommandText = "INSERT INTO connections (id, project_id, patient_id, provider, version, resource, updated_at) VALUES ($id, $p, $pt, $v, $version, $resource, $at)";
            insert.Parameters.AddWithValue("$id", row.Id);
            insert.Parameters.AddWithValue("$p", row.ProjectId);
            insert.Parameters.AddWithValue("$pt", row.PatientId);
            insert.Parameters.AddWithValue("$v", row.Provider);
            insert.Parameters.AddWithValue("$version", row.Version);
            insert.Parameters.AddWithValue("$resource", row.Resource);
            insert.Parameters.AddWithValue("$at", row.UpdatedAt);
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task<SqliteConnection> OpenAsync(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string path, string sql)
    {
        await using var connection = await OpenAsync(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record FirstSchemaRow(string Id, string ProjectId, string PatientId, string Provider, long Version, string Resource, string UpdatedAt);
}
