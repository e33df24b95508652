using Microsoft.Data.Sqlite;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;

namespace Wearables.Infrastructure.Sqlite;

public sealed class SqliteApiKeyStore(SqliteDatabase db) : IApiKeyStore
{
    private const string Columns = "id, project_id, role, patient_id, name, hash, created_at, revoked_at";

    public Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command($"SELECT {Columns} FROM api_keys WHERE hash = $h", ("$h", hash));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    public Task AddAsync(ApiKey key, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = Insert(c, key, onlyIfEmpty: false);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<bool> AddIfEmptyAsync(ApiKey key, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            // One statement: two instances starting at once cannot both bootstrap.
            await using var command = Insert(c, key, onlyIfEmpty: true);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKey>> ListAsync(string projectId, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<ApiKey>>(async c =>
        {
            await using var command = c.Command($"SELECT {Columns} FROM api_keys WHERE project_id = $p ORDER BY created_at", ("$p", projectId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var keys = new List<ApiKey>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(Read(reader));
            }

            return keys;
        }, cancellationToken);

    public Task<bool> RevokeAsync(string projectId, string keyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            await using var command = c.Command(
                "UPDATE api_keys SET revoked_at = $at WHERE id = $id AND project_id = $p AND revoked_at IS NULL",
                ("$at", at.ToStored()), ("$id", keyId), ("$p", projectId));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<int> ReplaceIdsAsync(string idPrefix, Func<ApiKey, string?> replacement, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            var candidates = new List<ApiKey>();
            await using (var select = c.Command($"SELECT {Columns} FROM api_keys WHERE substr(id, 1, length($prefix)) = $prefix", ("$prefix", idPrefix)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    candidates.Add(Read(reader));
                }
            }

            var replaced = 0;
            foreach (var key in candidates)
            {
                if (replacement(key) is { } id)
                {
                    await using var update = c.Command("UPDATE api_keys SET id = $new WHERE id = $old", ("$new", id), ("$old", key.Id));
                    replaced += await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return replaced;
        }, cancellationToken);

    private static SqliteCommand Insert(SqliteConnection c, ApiKey key, bool onlyIfEmpty) =>
        c.Command(
            $"INSERT INTO api_keys ({Columns}) SELECT $id, $p, $role, $patient, $name, $hash, $created, NULL"
            + (onlyIfEmpty ? " WHERE NOT EXISTS (SELECT 1 FROM api_keys)" : string.Empty),
            ("$id", key.Id), ("$p", key.ProjectId), ("$role", key.Role.ToName()), ("$patient", key.PatientId), ("$name", key.Name),
            ("$hash", key.Hash), ("$created", key.CreatedAt.ToStored()));

    private static ApiKey Read(SqliteDataReader r)
    {
        return new ApiKey(
            r.GetString(0), r.GetString(1), Roles.Parse(r.GetString(2)), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5),
            SqliteExtensions.FromStored(r.GetString(6)), r.IsDBNull(7) ? null : SqliteExtensions.FromStored(r.GetString(7)));
    }
}
