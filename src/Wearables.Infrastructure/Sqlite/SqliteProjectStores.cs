using Microsoft.Data.Sqlite;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;

namespace Wearables.Infrastructure.Sqlite;

public sealed class SqliteProjectSecretStore(SqliteDatabase db) : IProjectSecretStore, ICredentialsInventory
{
    public Task<IReadOnlyList<(string ProjectId, string Provider)>> ListAsync(CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<(string, string)>>(async c =>
        {
            await using var command = c.Command("SELECT project_id, provider FROM credentials ORDER BY project_id, provider");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new List<(string, string)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add((reader.GetString(0), reader.GetString(1)));
            }

            return found;
        }, cancellationToken);

    public Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command(
                "SELECT client_id, client_secret, webhook_secret, updated_at FROM credentials WHERE project_id = $p AND provider = $v",
                ("$p", projectId), ("$v", provider));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new StoredCredentials(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                SqliteExtensions.FromStored(reader.GetString(3)));
        }, cancellationToken);

    public Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(credentials);
            await using var command = c.Command(
                """
                INSERT INTO credentials (project_id, provider, client_id, client_secret, webhook_secret, updated_at)
                VALUES ($p, $v, $id, $secret, $hook, $at)
                ON CONFLICT (project_id, provider) DO UPDATE SET
                  client_id = excluded.client_id, client_secret = excluded.client_secret,
                  webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at
                """,
                ("$p", projectId), ("$v", provider), ("$id", credentials.ClientIdEnvelope), ("$secret", credentials.ClientSecretEnvelope),
                ("$hook", credentials.WebhookSecretEnvelope), ("$at", credentials.UpdatedAt.ToStored()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(expected);
            ArgumentNullException.ThrowIfNull(replacement);
            await using var command = c.Command(
                """
                UPDATE credentials SET client_id = $id, client_secret = $secret, webhook_secret = $hook, updated_at = $at
                WHERE project_id = $p AND provider = $v
                  AND client_id = $oldId AND client_secret = $oldSecret AND webhook_secret IS $oldHook
                """,
                ("$p", projectId), ("$v", provider), ("$id", replacement.ClientIdEnvelope), ("$secret", replacement.ClientSecretEnvelope),
                ("$hook", replacement.WebhookSecretEnvelope), ("$at", replacement.UpdatedAt.ToStored()),
                ("$oldId", expected.ClientIdEnvelope), ("$oldSecret", expected.ClientSecretEnvelope), ("$oldHook", expected.WebhookSecretEnvelope));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command("DELETE FROM credentials WHERE project_id = $p AND provider = $v", ("$p", projectId), ("$v", provider));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);
}

public sealed class SqliteProjectSettingsStore(SqliteDatabase db, TimeProvider time) : IProjectSettingsStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyDictionary<string, string>>(async c =>
        {
            await using var command = c.Command("SELECT key, value FROM settings WHERE project_id = $p", ("$p", projectId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[reader.GetString(0)] = reader.GetString(1);
            }

            return result;
        }, cancellationToken);

    public Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command("SELECT value FROM settings WHERE project_id = $p AND key = $k", ("$p", projectId), ("$k", key));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken);

    public Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command(
                "INSERT INTO settings (project_id, key, value, updated_at) VALUES ($p, $k, $v, $at) ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                ("$p", projectId), ("$k", key), ("$v", value), ("$at", time.GetUtcNow().ToStored()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
