using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// The refresh schedule in the embedded database: one row per refreshable connection with its
/// token's expiry (Unix seconds), indexed on it, so finding what is due reads only those rows.
/// </summary>
public sealed class SqliteRefreshSchedule(SqliteDatabase db) : IRefreshSchedule
{
    public Task PlanAsync(Connection connection, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(connection);
            var key = ScheduledRefresh.KeyOf(connection.ProjectId, connection.PatientId, connection.Provider);
            await using var command = ScheduledRefresh.Applies(connection)
                ? c.Command(
                    "INSERT INTO refresh_schedule (connection_key, expires_at) VALUES ($k, $at) ON CONFLICT (connection_key) DO UPDATE SET expires_at = excluded.expires_at",
                    ("$k", key), ("$at", connection.TokenExpiresAt!.Value.ToUnixTimeSeconds()))
                : c.Command("DELETE FROM refresh_schedule WHERE connection_key = $k", ("$k", key));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduledRefresh>> DueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<ScheduledRefresh>>(async c =>
        {
            await using var command = c.Command(
                "SELECT connection_key, expires_at FROM refresh_schedule WHERE expires_at < $before ORDER BY expires_at LIMIT $max",
                ("$before", before.ToUnixTimeSeconds()), ("$max", max));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var due = new List<ScheduledRefresh>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (ScheduledRefresh.FromKey(reader.GetString(0), DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(1))) is { } entry)
                {
                    due.Add(entry);
                }
            }

            return due;
        }, cancellationToken);
}
