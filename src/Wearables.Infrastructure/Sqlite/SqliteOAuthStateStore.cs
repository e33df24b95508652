using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Take-once via <c>DELETE … RETURNING</c>: SQLite serializes writers, so of concurrent takes
/// exactly one deletes the row and gets it. Expiry is checked against the injected clock. A save
/// keeps the <see cref="OAuthStateLimits"/> in one transaction (the flow's oldest dropped, the
/// project's ceiling checked), and deletes expired rows on the way; <see cref="RemoveExpiredAsync"/>
/// deletes them when nothing is saved (see <see cref="ExpiredStatesSweeper"/>).
/// </summary>
public sealed class SqliteOAuthStateStore(SqliteDatabase db, TimeProvider time, OAuthStateLimits? limits = null) : IOAuthStateStore, Diagnostics.IPendingStateCensus
{
    private readonly OAuthStateLimits limits = limits ?? OAuthStateLimits.Default;

    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return db.WriteAsync(async c =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var flow = FlowOf(pending);
            await using var transaction = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Expired rows go first (indexed, usually few), so that neither bound counts them.
            await using (var sweep = c.Command("DELETE FROM oauth_states WHERE expires_at <= $now", ("$now", now)))
            {
                await sweep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            long flowCount, projectCount, earliest;
            await using (var count = c.Command(
                "SELECT (SELECT count(*) FROM oauth_states WHERE project_id = $p AND flow = $f), count(*), coalesce(min(expires_at), 0) FROM oauth_states WHERE project_id = $p",
                ("$p", pending.ProjectId), ("$f", flow)))
            await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (flowCount, projectCount, earliest) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            }

            var drop = Math.Max(0, flowCount - (limits.PendingFlowsPerPatient - 1));
            if (projectCount - drop >= limits.PendingStatesPerProject)
            {
                throw OAuthStateLimits.ProjectFull(TimeSpan.FromMilliseconds(Math.Max(earliest - now, 1000)));
            }

            await using (var write = c.Command(
                """
                DELETE FROM oauth_states WHERE state_hash IN
                    (SELECT state_hash FROM oauth_states WHERE project_id = $p AND flow = $f ORDER BY seq LIMIT $drop);
                INSERT INTO oauth_states (state_hash, payload, expires_at, project_id, flow, seq)
                VALUES ($h, $payload, $exp, $p, $f, coalesce((SELECT max(seq) FROM oauth_states WHERE project_id = $p AND flow = $f), 0) + 1)
                """,
                ("$p", pending.ProjectId), ("$f", flow), ("$drop", drop), ("$h", stateHash),
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

    private static string FlowOf(PendingAuthorization pending) => pending.Provider + "\n" + pending.PatientId;
}
