using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace Wearables.TestSupport;

/// <summary>What the service stored, read around it as text: every SQLite row, or every Redis key with its value.</summary>
public static class StoreDump
{
    /// <summary>A test-side connection with generous timeouts (the machine may be loaded; these are not the service's bounds).</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString) =>
        ConnectionMultiplexer.ConnectAsync(connectionString + ",syncTimeout=15000,asyncTimeout=15000,connectTimeout=15000,allowAdmin=true");

    /// <summary>Every key, with one async KEYS (no synchronous SCAN and its sync timeout).</summary>
    public static async Task<IReadOnlyList<RedisKey>> AllKeysAsync(IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var result = (RedisResult[])(await db.ExecuteAsync("KEYS", "*"))!;
        return result.Select(r => (RedisKey)(string)r!).ToList();
    }

    /// <summary>Every row of every table, ordered.</summary>
    public static async Task<string> SqliteRowsAsync(string path)
    {
        if (!File.Exists(path))
        {
            return "(no database)";
        }

        var lines = new List<string>();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new StringBuilder(table).Append(':');
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                }

                lines.Add(row.ToString());
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    /// <summary>Every key with its type, value and whether it expires, ordered.</summary>
    public static async Task<string> RedisEntriesAsync(string connectionString)
    {
        using var redis = await ConnectAsync(connectionString);
        var db = redis.GetDatabase();
        var lines = new List<string>();
        foreach (var key in await AllKeysAsync(db))
        {
            var text = new StringBuilder(key.ToString()).Append(" => ");
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.String:
                    text.Append(await db.StringGetAsync(key));
                    break;
                case RedisType.Hash:
                    foreach (var entry in (await db.HashGetAllAsync(key)).OrderBy(e => (string?)e.Name, StringComparer.Ordinal))
                    {
                        text.Append(entry.Name).Append('=').Append(entry.Value).Append(';');
                    }

                    break;
                case RedisType.Set:
                    text.Append(string.Join(",", (await db.SetMembersAsync(key)).Select(v => (string?)v).Order(StringComparer.Ordinal)));
                    break;
                case RedisType.List:
                    text.Append(string.Join(",", await db.ListRangeAsync(key)));
                    break;
                case RedisType.SortedSet:
                    text.Append(string.Join(",", await db.SortedSetRangeByRankAsync(key)));
                    break;
                default:
                    text.Append("(other type)");
                    break;
            }

            if (await db.KeyTimeToLiveAsync(key) is not null)
            {
                text.Append(" (expires)");
            }

            lines.Add(text.ToString());
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
