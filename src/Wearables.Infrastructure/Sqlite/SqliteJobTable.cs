using System.Text.Json;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// A table of jobs kept for retrying (pending revocations, parked grants): one row per connection id
/// with the job as JSON (its sealed envelopes included), its due time and its expiry, in unix
/// milliseconds. A claim is one <c>UPDATE … RETURNING</c>: SQLite serializes writers, so two drains
/// never take the same row. A row past its expiry is due as well, and the drain drops it.
/// </summary>
/// <remarks>The table has the columns <c>connection_id, payload, due_at, expires_at</c> (<see cref="SqliteDatabase"/>'s schema).</remarks>
public abstract class SqliteJobTable<T>(SqliteDatabase db, string table) : IRetryJobStore<T>
    where T : class, IRetryJob<T>
{
    public Task SaveAsync(T job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return db.WriteAsync(async c =>
        {
            await using var command = c.Command(
                $"""
                INSERT INTO {table} (connection_id, payload, due_at, expires_at) VALUES ($id, $payload, $due, $exp)
                ON CONFLICT (connection_id) DO UPDATE SET payload = excluded.payload, due_at = excluded.due_at, expires_at = excluded.expires_at
                """,
                ("$id", job.ConnectionId.ToString("D")), ("$payload", JsonSerializer.Serialize(job, StoreJson.Options)),
                ("$due", Math.Min(job.DueAt.ToUnixTimeMilliseconds(), job.ExpiresAt.ToUnixTimeMilliseconds())),
                ("$exp", job.ExpiresAt.ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Replaces the job only while its row still holds exactly <paramref name="expected"/> (the due time is kept).</summary>
    public Task<bool> ReplaceIfUnchangedAsync(T expected, T replacement, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(expected);
            await using var command = c.Command(
                $"UPDATE {table} SET payload = $new WHERE connection_id = $id AND payload = $old",
                ("$id", expected.ConnectionId.ToString("D")), ("$old", JsonSerializer.Serialize(expected, StoreJson.Options)),
                ("$new", JsonSerializer.Serialize(replacement, StoreJson.Options)));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<IReadOnlyList<T>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        db.WriteAsync(c => ReadAllAsync(
            c.Command(
                $"""
                UPDATE {table} SET due_at = $lease
                WHERE connection_id IN (SELECT connection_id FROM {table} WHERE due_at <= $now ORDER BY due_at LIMIT $max)
                RETURNING payload
                """,
                ("$lease", leaseUntil.ToUnixTimeMilliseconds()), ("$now", now.ToUnixTimeMilliseconds()), ("$max", max)),
            j => j.DueAtTime(leaseUntil), cancellationToken), cancellationToken);

    /// <summary>Every job of the table (they live for a day at most: the table stays small).</summary>
    public Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken) =>
        db.RunAsync(c => ReadAllAsync(c.Command($"SELECT payload FROM {table} ORDER BY connection_id"), j => j, cancellationToken), cancellationToken);

    public Task<T?> FindAsync(Guid connectionId, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command($"SELECT payload FROM {table} WHERE connection_id = $id", ("$id", connectionId.ToString("D")));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string payload ? Read(payload) : null;
        }, cancellationToken);

    public Task RemoveAsync(Guid connectionId, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command($"DELETE FROM {table} WHERE connection_id = $id", ("$id", connectionId.ToString("D")));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<IReadOnlyList<T>> ReadAllAsync(Microsoft.Data.Sqlite.SqliteCommand command, Func<T, T> map, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var found = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(map(Read(reader.GetString(0))));
            }

            return found;
        }
    }

    private static T Read(string payload) =>
        JsonSerializer.Deserialize<T>(payload, StoreJson.Options) ?? throw new InvalidOperationException($"A {typeof(T).Name} row holds nothing.");
}
