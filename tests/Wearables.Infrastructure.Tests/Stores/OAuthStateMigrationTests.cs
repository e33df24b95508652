using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>A file whose oauth_states table is of the first schema keeps its pending flows, now counted in the bound.</summary>
public sealed class OAuthStateMigrationTests
{
    private static readonly JsonSerializerOptions StoreJson = new(JsonSerializerDefaults.Web);

    [Test]
    public async Task AFirstSchemaFile_KeepsItsPendingStates_WithTheirProjectAndFlow()
    {
        var directory = Path.Combine(Path.GetTempPath(), "wearables-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, SqliteDatabase.FileName);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        var project = Ids.Project();
        var older = new PendingAuthorization(project, "strava", "patient-1", null, "https://api.example/v1/wearables/strava/callback", null, time.GetUtcNow().AddSeconds(-2));
        var pending = older with { CreatedAt = time.GetUtcNow().AddSeconds(-1) };
        try
        {
            await using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await old.OpenAsync();
                await using var create = old.CreateCommand();
                create.CommandText = """
                    CREATE TABLE oauth_states (state_hash TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO oauth_states VALUES ('h2', $payload, $exp), ('h9', $older, $olderExp);
                    PRAGMA user_version = 1;
                    """;
                create.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(pending, StoreJson));
                create.Parameters.AddWithValue("$exp", pending.ExpiresAt.ToUnixTimeMilliseconds());
                create.Parameters.AddWithValue("$older", JsonSerializer.Serialize(older, StoreJson));
                create.Parameters.AddWithValue("$olderExp", older.ExpiresAt.ToUnixTimeMilliseconds());
                await create.ExecuteNonQueryAsync();
            }

            using var database = new SqliteDatabase(path);
            var store = new SqliteOAuthStateStore(database, time, new OAuthStateLimits(PendingFlowsPerPatient: 2, PendingStatesPerProject: 100));

            // A third flow of the same patient drops the older of the two migrated ones: they count, in their order.
            await store.SaveAsync("h3", pending, CancellationToken.None);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(await store.TakeAsync("h9", CancellationToken.None), Is.Null);
                Assert.That(await store.TakeAsync("h2", CancellationToken.None), Is.EqualTo(pending));
                Assert.That(await store.TakeAsync("h3", CancellationToken.None), Is.EqualTo(pending));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
