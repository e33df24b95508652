using StackExchange.Redis;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;

namespace Wearables.Infrastructure.Redis;

public sealed class RedisProjectSecretStore(RedisConnection redis) : IProjectSecretStore, ICredentialsInventory
{
    /// <summary>A <c>SCAN</c> over the credential keys of every primary (never <c>KEYS</c>: it would block Redis).</summary>
    public async Task<IReadOnlyList<(string ProjectId, string Provider)>> ListAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await redis.MultiplexerAsync(cancellationToken).ConfigureAwait(false);
        var found = new SortedSet<(string, string)>();
        try
        {
            foreach (var server in multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                await foreach (var key in server.KeysAsync(pattern: RedisKeys.CredentialsPattern).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (RedisKeys.ParseCredentials(key!) is { } pair)
                    {
                        found.Add(pair);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException)
        {
            throw new Application.Common.Exceptions.DependencyUnavailableException("store_unavailable", "The Redis store is not available.", ex);
        }

        return found.ToList();
    }

    public Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        redis.RunAsync(async db =>
        {
            var entries = (await db.HashGetAllAsync(RedisKeys.Credentials(projectId, provider)).ConfigureAwait(false))
                .ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
            if (!entries.TryGetValue("client_id", out var clientId) || !entries.TryGetValue("client_secret", out var secret))
            {
                return null;
            }

            return new StoredCredentials(clientId, secret, entries.GetValueOrDefault("webhook_secret"), DateTimeOffset.Parse(entries["updated_at"], System.Globalization.CultureInfo.InvariantCulture));
        }, cancellationToken);

    public Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken) =>
        redis.RunAsync(db => WriteAsync(db, projectId, provider, null, credentials), cancellationToken);

    public Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken) =>
        redis.RunAsync(db => WriteAsync(db, projectId, provider, expected, replacement), cancellationToken);

    /// <summary>Replaces the hash atomically; with <paramref name="expected"/>, only while it still holds those envelopes.</summary>
    private static Task<bool> WriteAsync(IDatabase db, string projectId, string provider, StoredCredentials? expected, StoredCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var key = RedisKeys.Credentials(projectId, provider);
        var fields = new List<HashEntry>
        {
            new("client_id", credentials.ClientIdEnvelope),
            new("client_secret", credentials.ClientSecretEnvelope),
            new("updated_at", credentials.UpdatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (credentials.WebhookSecretEnvelope is not null)
        {
            fields.Add(new HashEntry("webhook_secret", credentials.WebhookSecretEnvelope));
        }

        // No reader sees a mix of old and new fields.
        var transaction = db.CreateTransaction();
        if (expected is not null)
        {
            transaction.AddCondition(Condition.HashEqual(key, "client_id", expected.ClientIdEnvelope));
            transaction.AddCondition(Condition.HashEqual(key, "client_secret", expected.ClientSecretEnvelope));
            transaction.AddCondition(expected.WebhookSecretEnvelope is null
                ? Condition.HashNotExists(key, "webhook_secret")
                : Condition.HashEqual(key, "webhook_secret", expected.WebhookSecretEnvelope));
        }

        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key, fields.ToArray());
        return transaction.ExecuteAsync();
    }

    public Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.KeyDeleteAsync(RedisKeys.Credentials(projectId, provider)), cancellationToken);
}

public sealed class RedisProjectSettingsStore(RedisConnection redis) : IProjectSettingsStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken) =>
        redis.RunAsync<IReadOnlyDictionary<string, string>>(async db =>
            (await db.HashGetAllAsync(RedisKeys.Settings(projectId)).ConfigureAwait(false))
                .ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal), cancellationToken);

    public Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => (string?)await db.HashGetAsync(RedisKeys.Settings(projectId), key).ConfigureAwait(false), cancellationToken);

    public Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken) =>
        redis.RunAsync(db => db.HashSetAsync(RedisKeys.Settings(projectId), key, value), cancellationToken);
}
