using Wearables.Application.Encryption;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>The <c>key_checks</c> table: one canary envelope per master key id.</summary>
public sealed class SqliteKeyCheckStore(SqliteDatabase db) : IKeyCheckStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAllAsync(CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyDictionary<string, string>>(async c =>
        {
            await using var command = c.Command("SELECT key_id, canary FROM key_checks");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[reader.GetString(0)] = reader.GetString(1);
            }

            return found;
        }, cancellationToken);

    public Task AddAsync(string keyId, string canary, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("INSERT INTO key_checks (key_id, canary) VALUES ($id, $canary) ON CONFLICT DO NOTHING", ("$id", keyId), ("$canary", canary));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task RemoveAsync(string keyId, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM key_checks WHERE key_id = $id", ("$id", keyId));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
