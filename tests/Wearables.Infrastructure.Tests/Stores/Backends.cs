using Microsoft.Data.Sqlite;
using StackExchange.Redis;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>A fresh SQLite file in its own temp folder, deleted (with its WAL files) on dispose.</summary>
internal sealed class SqliteBackend : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "wearables-tests-" + Guid.NewGuid().ToString("N"));

    public SqliteBackend() => Database = new SqliteDatabase(Path.Combine(directory, SqliteDatabase.FileName));

    public SqliteDatabase Database { get; }

    public string FilePath => Database.FilePath;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>The shared test-run Redis; tests isolate themselves with fresh random project ids.</summary>
internal static class RedisBackend
{
    /// <summary>Databases other than 0 handed to tests that need a store with no data at all.</summary>
    private static int nextEmptyDatabase = 8;

    public static async Task<RedisConnection> ConnectAsync() => await WarmAsync(new RedisConnection((await RedisServer.SharedAsync()).ConnectionString));

    /// <summary>A connection to a database of the shared server that nobody else uses, flushed first.</summary>
    public static async Task<RedisConnection> ConnectToEmptyDatabaseAsync()
    {
        var server = await RedisServer.SharedAsync();
        var database = Interlocked.Increment(ref nextEmptyDatabase);
        if (database > 15)
        {
            throw new InvalidOperationException("Out of Redis databases for empty-store tests.");
        }

        using (var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).FlushDatabaseAsync(database);
        }

        return await WarmAsync(new RedisConnection($"{server.ConnectionString},defaultDatabase={database}"));
    }

    /// <summary>
    /// Connects before the first test uses the connection. RedisConnection connects lazily and
    /// synchronously, which a burst of concurrent first calls can starve (see the test report);
    /// the store contracts test the stores, not that cold start.
    /// </summary>
    private static async Task<RedisConnection> WarmAsync(RedisConnection connection)
    {
        if (!await connection.IsHealthyAsync(CancellationToken.None))
        {
            connection.Dispose();
            throw new InvalidOperationException("The test Redis did not answer PING.");
        }

        return connection;
    }

    /// <summary>A plain client for looking at raw values.</summary>
    public static async Task<ConnectionMultiplexer> RawClientAsync() =>
        await ConnectionMultiplexer.ConnectAsync((await RedisServer.SharedAsync()).ConnectionString + ",allowAdmin=true");
}

internal static class Ids
{
    public static string Project() => "p-" + Guid.NewGuid().ToString("N")[..16];
}
