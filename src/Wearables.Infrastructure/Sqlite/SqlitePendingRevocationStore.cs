using System.Text.Json;
using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// The <c>pending_revocations</c> table: one row per connection with the JSON of the revocation (its
/// sealed copy included), its due time and its expiry, in unix milliseconds. A claim is one
/// <c>UPDATE … RETURNING</c>: SQLite serializes writers, so two drains never take the same row.
/// A row past its expiry is due as well, and the drain drops it.
/// </summary>
public sealed class SqlitePendingRevocationStore(SqliteDatabase db) : IPendingRevocationStore
{
    public Task SaveAsync(PendingRevocation revocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        return db.WriteAsync(async c =>
        {
            await using var command = c.Command(
                """
                INSERT INTO pending_revocations (connection_id, payload, due_at, expires_at) VALUES ($id, $payload, $due, $exp)
                ON CONFLICT (connection_id) DO UPDATE SET payload = excluded.payload, due_at = excluded.due_at, expires_at = excluded.expires_at
                """,
                ("$id", revocation.ConnectionId.ToString("D")), ("$payload", JsonSerializer.Serialize(revocation, StoreJson.Options)),
                ("$due", Math.Min(revocation.DueAt.ToUnixTimeMilliseconds(), revocation.ExpiresAt.ToUnixTimeMilliseconds())),
                ("$exp", revocation.ExpiresAt.ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<PendingRevocation>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<PendingRevocation>>(async c =>
        {
            await using var command = c.Command(
                """
                UPDATE pending_revocations SET due_at = $lease
                WHERE connection_id IN (SELECT connection_id FROM pending_revocations WHERE due_at <= $now ORDER BY due_at LIMIT $max)
                RETURNING payload
                """,
                ("$lease", leaseUntil.ToUnixTimeMilliseconds()), ("$now", now.ToUnixTimeMilliseconds()), ("$max", max));
            var claimed = new List<PendingRevocation>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(Read(reader.GetString(0)) with { DueAt = leaseUntil });
            }

            return claimed;
        }, cancellationToken);

    public Task<PendingRevocation?> FindAsync(Guid connectionId, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command("SELECT payload FROM pending_revocations WHERE connection_id = $id", ("$id", connectionId.ToString("D")));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string payload ? Read(payload) : null;
        }, cancellationToken);

    public Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM pending_revocations WHERE connection_id = $id", ("$id", connectionId.ToString("D")));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static PendingRevocation Read(string payload) =>
        JsonSerializer.Deserialize<PendingRevocation>(payload, StoreJson.Options) ?? throw new InvalidOperationException("A pending revocation row holds no revocation.");
}
