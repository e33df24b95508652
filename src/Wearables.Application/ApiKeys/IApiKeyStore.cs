using Wearables.Domain.Security;

namespace Wearables.Application.ApiKeys;

/// <summary>API keys, found by the hash of the key; the key itself is never stored.</summary>
public interface IApiKeyStore
{
    Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    Task AddAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>Adds the key only when the store holds no key at all (first start); false otherwise.</summary>
    Task<bool> AddIfEmptyAsync(ApiKey key, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a new public id to each key whose id starts with <paramref name="idPrefix"/> and for
    /// which <paramref name="replacement"/> answers one; its hash is unchanged, so it keeps working.
    /// Answers how many keys got a new id. Safe to run again (and to resume after a crash).
    /// </summary>
    Task<int> ReplaceIdsAsync(string idPrefix, Func<ApiKey, string?> replacement, CancellationToken cancellationToken);

    /// <summary>True when an active key of that project was revoked.</summary>
    Task<bool> RevokeAsync(string projectId, string keyId, DateTimeOffset at, CancellationToken cancellationToken);
}
