using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// What a list shows of a connection, kept in columns beside its Endpoint JSON so that listing
/// parses no JSON and reads no token. A save takes them from the connection it saves, as the
/// <see cref="EndpointCodec"/> writes it beside them (the same instants, no empty texts), so that
/// they list what decoding the row would. <c>listed_version</c> is the row version they were taken
/// from: a row written since by a build that knows nothing of these columns has another one, and
/// is listed from its JSON instead.
/// </summary>
internal static class ConnectionListColumns
{
    /// <summary>The names in <see cref="Select"/>, <see cref="Values"/> and <see cref="Set"/>, in order.</summary>
    public const string Names = "status, link_status, provider_user_id, provider_username, scope, last_synced_at, created_at, updated_at, listed_version";

    public const string Values = "$status, $link_status, $provider_user_id, $provider_username, $scope, $last_synced_at, $created_at, $updated_at, $listed_version";

    public const string Set = "status = $status, link_status = $link_status, provider_user_id = $provider_user_id, provider_username = $provider_username, "
        + "scope = $scope, last_synced_at = $last_synced_at, created_at = $created_at, updated_at = $updated_at, listed_version = $listed_version";

    /// <summary>What <see cref="Read"/> reads: the resource only where the columns are not current.</summary>
    public const string Select = "id, provider, " + Names + ", CASE WHEN listed_version = version THEN NULL ELSE resource END";

    /// <summary>The columns the first schema of the table lacked (it had id … resource, updated_at).</summary>
    private static readonly string[] Added =
        ["status TEXT", "link_status TEXT", "provider_user_id TEXT", "provider_username TEXT", "scope TEXT", "last_synced_at TEXT", "created_at TEXT", "listed_version INTEGER"];

    /// <summary>The values of <see cref="Names"/> for row <paramref name="version"/> holding <paramref name="connection"/>.</summary>
    public static (string Name, object? Value)[] Parameters(Connection connection, long version)
    {
        var listed = ConnectionSummary.Of(connection);
        return
        [
            ("$status", listed.Status.ToString()),
            ("$link_status", listed.LinkStatus?.ToString()),
            ("$provider_user_id", Text(listed.ProviderUserId)),
            ("$provider_username", Text(listed.ProviderUsername)),
            ("$scope", Text(listed.Scope)),
            ("$last_synced_at", listed.LastSyncedAt?.ToStored()),
            ("$created_at", listed.CreatedAt.ToStored()),
            ("$updated_at", listed.UpdatedAt.ToStored()),
            ("$listed_version", version),
        ];
    }

    /// <summary>
    /// One row of <see cref="Select"/>, a connection of <paramref name="patientId"/> (the patient is
    /// not read back: every column read costs a native call or more).
    /// </summary>
    public static ConnectionSummary Read(SqliteDataReader reader, string patientId)
    {
        if (!reader.IsDBNull(11))
        {
            return ConnectionSummary.Of(EndpointCodec.Decode(reader.GetString(11), null));
        }

        return new ConnectionSummary(
            Guid.Parse(reader.GetString(0)),
            patientId,
            reader.GetString(1),
            Enum.Parse<ConnectionStatus>(reader.GetString(2)),
            reader.IsDBNull(3) ? null : Enum.Parse<LinkStatus>(reader.GetString(3)),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : SqliteExtensions.FromStored(reader.GetString(7)),
            SqliteExtensions.FromStored(reader.GetString(8)),
            SqliteExtensions.FromStored(reader.GetString(9)));
    }

    /// <summary>
    /// Adds the columns to a table of the first schema and fills them from each row's JSON, a
    /// batch per transaction: an interrupted run resumes where it stopped, and rows not yet filled
    /// are listed from their JSON meanwhile. Safe to run on a table that has them already.
    /// </summary>
    public static void AddTo(SqliteConnection connection)
    {
        using (var transaction = connection.BeginTransaction())
        {
            var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var info = connection.Command("SELECT name FROM pragma_table_info('connections')"))
            {
                info.Transaction = transaction;
                using var reader = info.ExecuteReader();
                while (reader.Read())
                {
                    present.Add(reader.GetString(0));
                }
            }

            foreach (var column in Added.Where(c => !present.Contains(c[..c.IndexOf(' ', StringComparison.Ordinal)])))
            {
                using var alter = connection.Command("ALTER TABLE connections ADD COLUMN " + column);
                alter.Transaction = transaction;
                alter.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        long after = 0;
        while (true)
        {
            using var transaction = connection.BeginTransaction();
            var stale = new List<(long RowId, long Version, string Json)>();
            using (var select = connection.Command(
                "SELECT rowid, version, resource FROM connections WHERE rowid > $after AND listed_version IS NOT version ORDER BY rowid LIMIT 500",
                ("$after", after)))
            {
                select.Transaction = transaction;
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    stale.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }

            if (stale.Count == 0)
            {
                return;
            }

            foreach (var (rowId, version, json) in stale)
            {
                using var update = connection.Command(
                    $"UPDATE connections SET {Set} WHERE rowid = $rowid",
                    [.. Parameters(EndpointCodec.Decode(json, null), version), ("$rowid", rowId)]);
                update.Transaction = transaction;
                update.ExecuteNonQuery();
            }

            transaction.Commit();
            after = stale[^1].RowId;
        }
    }

    /// <summary>The resource keeps no empty text (FHIR forbids it; the codec leaves such a value out): neither do the columns.</summary>
    private static string? Text(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
