using System.Collections.Frozen;
using Wearables.Application.ApiKeys;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Domain.Security;

namespace Wearables.Infrastructure.Caching;

/// <summary>
/// API keys by hash, through the <see cref="StoreCache"/>. Unknown hashes are not cached (a key
/// created on another instance works at once, and random keys cannot fill the cache); a
/// revocation drops every cached key, here and on the other instances, before it answers.
/// </summary>
public sealed class CachingApiKeyStore(IApiKeyStore inner, StoreCache cache) : IApiKeyStore
{
    private const string Prefix = "apikey:";

    public async Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        var key = await cache.GetOrLoadAsync(Prefix + hash, ct => inner.FindByHashAsync(hash, ct), found => found is not null, cancellationToken).ConfigureAwait(false);

        // A copy: callers may revoke the instance they hold.
        return key is null ? null : new ApiKey(key.Id, key.ProjectId, key.Role, key.PatientId, key.Name, key.Hash, key.CreatedAt, key.RevokedAt);
    }

    public Task AddAsync(ApiKey key, CancellationToken cancellationToken) => inner.AddAsync(key, cancellationToken);

    public Task<bool> AddIfEmptyAsync(ApiKey key, CancellationToken cancellationToken) => inner.AddIfEmptyAsync(key, cancellationToken);

    public Task<IReadOnlyList<ApiKey>> ListAsync(string projectId, CancellationToken cancellationToken) => inner.ListAsync(projectId, cancellationToken);

    public Task<int> ReplaceIdsAsync(string idPrefix, Func<ApiKey, string?> replacement, CancellationToken cancellationToken) =>
        cache.WriteAsync(StoreCache.Everything, () => inner.ReplaceIdsAsync(idPrefix, replacement, cancellationToken));

    // Keys are cached by hash, which a revocation (by id) does not know: drop everything.
    public Task<bool> RevokeAsync(string projectId, string keyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        cache.WriteAsync(StoreCache.Everything, () => inner.RevokeAsync(projectId, keyId, at, cancellationToken));
}

/// <summary>A project's settings, through the <see cref="StoreCache"/>; a write drops them everywhere.</summary>
public sealed class CachingProjectSettingsStore(IProjectSettingsStore inner, StoreCache cache) : IProjectSettingsStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync<IReadOnlyDictionary<string, string>>(
            Key(projectId),
            async ct => (await inner.GetAllAsync(projectId, ct).ConfigureAwait(false)).ToFrozenDictionary(StringComparer.Ordinal),
            _ => true,
            cancellationToken);

    public async Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken) =>
        (await GetAllAsync(projectId, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(key);

    public Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken) =>
        cache.WriteAsync(Key(projectId), async () =>
        {
            await inner.SetAsync(projectId, key, value, cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static string Key(string projectId) => "settings:" + projectId;
}

/// <summary>Credential envelopes (still encrypted) through the <see cref="StoreCache"/>; a write drops them everywhere.</summary>
public sealed class CachingProjectSecretStore(IProjectSecretStore inner, StoreCache cache) : IProjectSecretStore
{
    public Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(Key(projectId, provider), ct => inner.GetAsync(projectId, provider, ct), _ => true, cancellationToken);

    public Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken) =>
        cache.WriteAsync(Key(projectId, provider), async () =>
        {
            await inner.SetAsync(projectId, provider, credentials, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken) =>
        cache.WriteAsync(Key(projectId, provider), () => inner.ReplaceIfUnchangedAsync(projectId, provider, expected, replacement, cancellationToken));

    public Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken) =>
        cache.WriteAsync(Key(projectId, provider), () => inner.DeleteAsync(projectId, provider, cancellationToken));

    private static string Key(string projectId, string provider) => $"credentials:{projectId}:{provider}";
}
