using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>Everything the service stored, read around it, as one comparable text (and a short hash of it).</summary>
public static class StoreFingerprint
{
    public static Task<string> ReadAsync(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Options.Storage == StorageMode.Redis
            ? RedisAsync(instance.Options.RedisConnectionString!, includeEmbedded: instance.DatabasePath)
            : SqliteAsync(instance.DatabasePath);
    }

    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString) => StoreDump.ConnectAsync(connectionString);

    public static Task<IReadOnlyList<RedisKey>> AllKeysAsync(IDatabase db) => StoreDump.AllKeysAsync(db);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    public static Task<string> SqliteAsync(string path) => StoreDump.SqliteRowsAsync(path);

    /// <summary>Every Redis key (see <see cref="StoreDump.RedisEntriesAsync"/>), plus the embedded database if any.</summary>
    public static async Task<string> RedisAsync(string connectionString, string? includeEmbedded = null)
    {
        var result = await StoreDump.RedisEntriesAsync(connectionString);
        return includeEmbedded is null ? result : result + "\n--- embedded ---\n" + await SqliteAsync(includeEmbedded);
    }
}
