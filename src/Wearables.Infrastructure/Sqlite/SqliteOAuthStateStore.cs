using System.Text.Json;
using Wearables.Application.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Take-once via <c>DELETE … RETURNING</c>: SQLite serializes writers, so of concurrent takes
/// exactly one deletes the row and gets it. Expiry is checked against the injected clock.
/// </summary>
public sealed class SqliteOAuthStateStore(SqliteDatabase db, TimeProvider time) : IOAuthStateStore
{
    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return db.WriteAsync(async c =>
        {
            var now = time.GetUtcNow();
            // Sweep expired states on the way; indexed and usually empty.
            await using var command = c.Command(
                "DELETE FROM oauth_states WHERE expires_at <= $now; INSERT INTO oauth_states (state_hash, payload, expires_at) VALUES ($h, $payload, $exp)",
                ("$now", now.ToUnixTimeMilliseconds()), ("$h", stateHash),
                ("$payload", JsonSerializer.Serialize(pending, StoreJson.Options)), ("$exp", pending.ExpiresAt.ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
}
