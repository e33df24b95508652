using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Take-once via <c>DELETE … RETURNING</c>: SQLite serializes writers, so of concurrent takes
/// exactly one deletes the row and gets it. Expiry is checked against the injected clock. A save
/// keeps the <see cref="OAuthStateLimits"/> in one transaction (the flow's oldest live state dropped,
/// the project's ceiling checked), counting only live states (the indexes cover the expiry).
/// Expired rows are deleted by <see cref="RemoveExpiredAsync"/> (<see cref="ExpiredStatesSweeper"/>),
/// not by the save: deleting them on every connect was a write of its own on the connect path.
/// </summary>
public sealed class SqliteOAuthStateStore(SqliteDatabase db, TimeProvider time, OAuthStateLimits? limits = null) : IOAuthStateStore, Diagnostics.IPendingStateCensus
{
    /// <summary>
    /// The flow's live states and the project's stored count. <c>INDEXED BY</c>: left to itself, the planner
    /// took the (project, expiry) index and counted every live state of the project on every connect, so a
    /// connect cost grew with the project's pending flows (measured: 5k → 140 connects/s as 6k states piled up).
    /// </summary>
    internal const string CountSql =
        "SELECT (SELECT count(*) FROM oauth_states INDEXED BY oauth_states_flow WHERE project_id = $p AND flow = $f AND expires_at > $now), "
        + "coalesce((SELECT states FROM oauth_state_counts WHERE project_id = $p), 0)";

    /// <summary>Drops the flow's oldest live states beyond its bound and inserts the new one, through the flow's index only.</summary>
    internal const string WriteSql =
        """
        DELETE FROM oauth_states WHERE state_hash IN
            (SELECT state_hash FROM oauth_states INDEXED BY oauth_states_flow WHERE project_id = $p AND flow = $f AND expires_at > $now ORDER BY seq LIMIT $drop);
        INSERT INTO oauth_states (state_hash, payload, expires_at, project_id, flow, seq)
        VALUES ($h, $payload, $exp, $p, $f, coalesce((SELECT max(seq) FROM oauth_states INDEXED BY oauth_states_flow WHERE project_id = $p AND flow = $f), 0) + 1)
        """;

    private readonly OAuthStateLimits limits = limits ?? OAuthStateLimits.Default;

    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return db.WriteAsync(async c =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var flow = FlowOf(pending);
            await using var transaction = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The flow's live states, and the project's stored ones (live or expired, kept by triggers): an upper
            // bound of its live states, so that the exact count (every live row of the project) runs only near the ceiling.
            long flowCount, storedCount;
            await using (var count = c.Command(CountSql, ("$p", pending.ProjectId), ("$f", flow), ("$now", now)))
            await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (flowCount, storedCount) = (reader.GetInt64(0), reader.GetInt64(1));
            }

            var drop = Math.Max(0, flowCount - (limits.PendingFlowsPerPatient - 1));
            if (storedCount - drop >= limits.PendingStatesPerProject)
            {
                await using var exact = c.Command(
                    "SELECT count(*), coalesce(min(expires_at), 0) FROM oauth_states WHERE project_id = $p AND expires_at > $now", ("$p", pending.ProjectId), ("$now", now));
                await using var reader = await exact.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var (liveCount, earliest) = (reader.GetInt64(0), reader.GetInt64(1));
                if (liveCount - drop >= limits.PendingStatesPerProject)
                {
                    throw OAuthStateLimits.ProjectFull(TimeSpan.FromMilliseconds(Math.Max(earliest - now, 1000)));
                }
            }

            await using (var write = c.Command(
                WriteSql,
                ("$p", pending.ProjectId), ("$f", flow), ("$drop", drop), ("$h", stateHash), ("$now", now),
                ("$payload", JsonSerializer.Serialize(pending, StoreJson.Options)), ("$exp", pending.ExpiresAt.ToUnixTimeMilliseconds())))
            {
                await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM oauth_states WHERE state_hash = $h RETURNING payload, expires_at", ("$h", stateHash));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            if (reader.GetInt64(1) <= time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return null;
            }

            return JsonSerializer.Deserialize<PendingAuthorization>(reader.GetString(0), StoreJson.Options);
        }, cancellationToken);

    /// <summary>Deletes every expired state; answers how many.</summary>
    public Task<int> RemoveExpiredAsync(CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM oauth_states WHERE expires_at <= $now", ("$now", time.GetUtcNow().ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>A range of the expiry index, bounded: never more than <paramref name="max"/> entries read.</summary>
    public Task<long> CountPendingAsync(long max, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command(
                "SELECT count(*) FROM (SELECT 1 FROM oauth_states WHERE expires_at > $now LIMIT $max)",
                ("$now", time.GetUtcNow().ToUnixTimeMilliseconds()), ("$max", max));
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    /// <summary>Migration step: the project, flow (provider and patient) and order (its expiry: older first) of each state, filled from its payload.</summary>
    internal static void AddFlowColumns(SqliteConnection connection)
    {
        using var columns = connection.Command("SELECT count(*) FROM pragma_table_info('oauth_states') WHERE name = 'seq'");
        if (Convert.ToInt64(columns.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var alter = connection.Command(
                """
                ALTER TABLE oauth_states ADD COLUMN project_id TEXT NOT NULL DEFAULT '';
                ALTER TABLE oauth_states ADD COLUMN flow TEXT NOT NULL DEFAULT '';
                ALTER TABLE oauth_states ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
                UPDATE oauth_states SET project_id = coalesce(json_extract(payload, '$.projectId'), ''), seq = expires_at,
                    flow = coalesce(json_extract(payload, '$.provider'), '') || char(10) || coalesce(json_extract(payload, '$.patientId'), '');
                """);
            alter.ExecuteNonQuery();
        }

        using var index = connection.Command(
            "CREATE INDEX IF NOT EXISTS oauth_states_project ON oauth_states (project_id, expires_at); CREATE INDEX IF NOT EXISTS oauth_states_flow ON oauth_states (project_id, flow, seq)");
        index.ExecuteNonQuery();
    }

    /// <summary>
    /// The stored states per project, kept by triggers on every insert and delete (take, drop, sweep, or any other
    /// writer of the file), so that a save need not count the project's rows. Not a numbered migration step: it
    /// changes no table a build reads without knowing it, and it is safe to repeat (created and filled in one
    /// immediate transaction, only when missing). Runs after the numbered steps (it needs step 2's columns).
    /// </summary>
    internal static void EnsureStateCounts(SqliteConnection connection)
    {
        using var begin = connection.Command("BEGIN IMMEDIATE");
        begin.ExecuteNonQuery();
        try
        {
            using var present = connection.Command("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'oauth_states_counted_delete'");
            if (Convert.ToInt64(present.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                using var create = connection.Command(
                    """
                    CREATE TABLE IF NOT EXISTS oauth_state_counts (project_id TEXT NOT NULL PRIMARY KEY, states INTEGER NOT NULL) WITHOUT ROWID;
                    DELETE FROM oauth_state_counts;
                    INSERT INTO oauth_state_counts (project_id, states) SELECT project_id, count(*) FROM oauth_states GROUP BY project_id;
                    CREATE TRIGGER oauth_states_counted_insert AFTER INSERT ON oauth_states BEGIN
                        INSERT INTO oauth_state_counts (project_id, states) VALUES (NEW.project_id, 1)
                            ON CONFLICT (project_id) DO UPDATE SET states = states + 1;
                    END;
                    CREATE TRIGGER oauth_states_counted_delete AFTER DELETE ON oauth_states BEGIN
                        UPDATE oauth_state_counts SET states = states - 1 WHERE project_id = OLD.project_id;
                    END;
                    """);
                create.ExecuteNonQuery();
            }

            using var commit = connection.Command("COMMIT");
            commit.ExecuteNonQuery();
        }
        catch
        {
            using var rollback = connection.Command("ROLLBACK");
            rollback.ExecuteNonQuery();
            throw;
        }
    }

    private static string FlowOf(PendingAuthorization pending) => pending.Provider + "\n" + pending.PatientId;
}
