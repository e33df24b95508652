using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Wearables.Infrastructure.Caching;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>What the service actually wrote, read around it: the SQLite file (and its WAL) or every Redis key.</summary>
public static class RawStorage
{
    /// <summary>Every stored value as text (Embedded: every column of every row, then the raw file bytes; Redis: every key and value).</summary>
    public static async Task<string> DumpAsync(WearablesApiFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.Storage == StorageMode.Redis ? await DumpRedisAsync(factory) : await DumpSqliteAsync(factory);
    }

    /// <summary>The stored credential fields of a project and provider, by field name (client_id, client_secret, webhook_secret).</summary>
    public static async Task<Dictionary<string, string?>> CredentialsAsync(WearablesApiFactory factory, string projectId, string provider)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (factory.Storage == StorageMode.Redis)
        {
            using var redis = await ConnectAsync(factory);
            var entries = await redis.GetDatabase().HashGetAllAsync(CredentialsKey(projectId, provider));
            return entries.Where(e => e.Name != "updated_at").ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        }

        await using var connection = await OpenSqliteAsync(factory);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT client_id, client_secret, webhook_secret FROM credentials WHERE project_id = $p AND provider = $v";
        command.Parameters.AddWithValue("$p", projectId);
        command.Parameters.AddWithValue("$v", provider);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return [];
        }

        return new Dictionary<string, string?>
        {
            ["client_id"] = reader.GetString(0),
            ["client_secret"] = reader.GetString(1),
            ["webhook_secret"] = reader.IsDBNull(2) ? null : reader.GetString(2),
        };
    }

    /// <summary>
    /// Writes credential fields as they are (to simulate a copied or tampered row), then drops the
    /// service's in-process cache, as its time-to-live would: a write behind the service's back is
    /// otherwise seen only when the cached envelopes expire.
    /// </summary>
    public static async Task WriteCredentialsAsync(WearablesApiFactory factory, string projectId, string provider, string clientId, string clientSecret)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await WriteCredentialsBehindTheServiceAsync(factory, projectId, provider, clientId, clientSecret);
        factory.Services.GetService<StoreCache>()?.Invalidate(StoreCache.Everything);
    }

    private static async Task WriteCredentialsBehindTheServiceAsync(WearablesApiFactory factory, string projectId, string provider, string clientId, string clientSecret)
    {
        if (factory.Storage == StorageMode.Redis)
        {
            using var redis = await ConnectAsync(factory);
            await redis.GetDatabase().HashSetAsync(CredentialsKey(projectId, provider),
                [new("client_id", clientId), new("client_secret", clientSecret), new("updated_at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture))]);
            return;
        }

        await using var connection = await OpenSqliteAsync(factory);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO credentials (project_id, provider, client_id, client_secret, webhook_secret, updated_at)
            VALUES ($p, $v, $id, $secret, NULL, $at)
            ON CONFLICT (project_id, provider) DO UPDATE SET client_id = excluded.client_id, client_secret = excluded.client_secret
            """;
        command.Parameters.AddWithValue("$p", projectId);
        command.Parameters.AddWithValue("$v", provider);
        command.Parameters.AddWithValue("$id", clientId);
        command.Parameters.AddWithValue("$secret", clientSecret);
        command.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The stored JSON of a pending OAuth flow (what connect saved for the callback), by state hash; null when there is none.</summary>
    public static async Task<string?> OAuthStateAsync(WearablesApiFactory factory, string stateHash)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (factory.Storage == StorageMode.Redis)
        {
            using var redis = await ConnectAsync(factory);
            return await redis.GetDatabase().StringGetAsync(OAuthStateKey(stateHash));
        }

        await using var connection = await OpenSqliteAsync(factory);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM oauth_states WHERE state_hash = $h";
        command.Parameters.AddWithValue("$h", stateHash);
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>Replaces the stored JSON of a pending flow as it is (to simulate a tampered or copied record); its expiry stays.</summary>
    public static async Task WriteOAuthStateAsync(WearablesApiFactory factory, string stateHash, string payload)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (factory.Storage == StorageMode.Redis)
        {
            using var redis = await ConnectAsync(factory);
            Assert.That(await redis.GetDatabase().StringSetAsync(OAuthStateKey(stateHash), payload, expiry: null, keepTtl: true, when: When.Exists), Is.True, "the flow is stored");
            return;
        }

        await using var connection = await OpenSqliteAsync(factory);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE oauth_states SET payload = $p WHERE state_hash = $h";
        command.Parameters.AddWithValue("$h", stateHash);
        command.Parameters.AddWithValue("$p", payload);
        Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1), "the flow is stored");
    }

    // The key layout of the Redis adapter (RedisKeys): tests that tamper with storage must know where things are.
    private static string CredentialsKey(string projectId, string provider) => $"wearables:project:{projectId}:credentials:{provider}";

    private static string OAuthStateKey(string stateHash) => $"wearables:oauth:state:{stateHash}";

    private static async Task<ConnectionMultiplexer> ConnectAsync(WearablesApiFactory factory) =>
        await ConnectionMultiplexer.ConnectAsync(factory.Redis!.ConnectionString);

    private static async Task<SqliteConnection> OpenSqliteAsync(WearablesApiFactory factory)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = factory.DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static Task<string> DumpRedisAsync(WearablesApiFactory factory) => StoreDump.RedisEntriesAsync(factory.Redis!.ConnectionString);

    private static async Task<string> DumpSqliteAsync(WearablesApiFactory factory)
    {
        var text = new StringBuilder(await StoreDump.SqliteRowsAsync(factory.DatabasePath)).Append('\n');

        // The raw bytes too (main file, WAL, journal): a plaintext that was written once may linger in free pages.
        foreach (var file in Directory.EnumerateFiles(factory.DataDirectory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            text.Append(Encoding.Latin1.GetString(memory.ToArray())).Append('\n');
        }

        return text.ToString();
    }
}
