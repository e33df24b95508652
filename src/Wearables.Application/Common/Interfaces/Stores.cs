using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;

namespace Wearables.Application.Common.Interfaces;

/// <summary>
/// A project's OAuth app credentials per provider, as encrypted envelopes only: adapters never
/// see plaintext. Adapters raise <see cref="Exceptions.DependencyUnavailableException"/> when their store is down.
/// </summary>
public interface IProjectSecretStore
{
    Task<StoredCredentials?> GetAsync(string projectId, string provider, CancellationToken cancellationToken);

    Task SetAsync(string projectId, string provider, StoredCredentials credentials, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="expected"/> by <paramref name="replacement"/> only if the stored
    /// envelopes are still exactly <paramref name="expected"/> (for re-sealing after a key rotation
    /// without undoing a concurrent update). False when they changed.
    /// </summary>
    Task<bool> ReplaceIfUnchangedAsync(string projectId, string provider, StoredCredentials expected, StoredCredentials replacement, CancellationToken cancellationToken);

    /// <summary>True when something was deleted.</summary>
    Task<bool> DeleteAsync(string projectId, string provider, CancellationToken cancellationToken);
}

/// <summary>Encrypted credential envelopes as stored.</summary>
public sealed record StoredCredentials(string ClientIdEnvelope, string ClientSecretEnvelope, string? WebhookSecretEnvelope, DateTimeOffset UpdatedAt)
{
    public override string ToString() => "StoredCredentials [encrypted]";
}

/// <summary>Per-project settings (feature toggles, redirect origins) as normalized strings.</summary>
public interface IProjectSettingsStore
{
    Task<IReadOnlyDictionary<string, string>> GetAllAsync(string projectId, CancellationToken cancellationToken);

    Task<string?> GetAsync(string projectId, string key, CancellationToken cancellationToken);

    Task SetAsync(string projectId, string key, string value, CancellationToken cancellationToken);
}

/// <summary>API keys, found by the hash of the key; the key itself is never stored.</summary>
public interface IApiKeyStore
{
    Task<ApiKey?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    Task AddAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>Adds the key only when the store holds no key at all (first start); false otherwise.</summary>
    Task<bool> AddIfEmptyAsync(ApiKey key, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>True when an active key of that project was revoked.</summary>
    Task<bool> RevokeAsync(string projectId, string keyId, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>
/// Pending OAuth flows, keyed by a hash of the state (the raw state is never a key). A state is
/// taken at most once: of concurrent takes, exactly one gets it.
/// </summary>
public interface IOAuthStateStore
{
    Task SaveAsync(string stateHash, PendingAuthorization pending, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Atomically reads and deletes; null when unknown, already taken, or expired.</summary>
    Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken);
}

/// <summary>What connect remembers for the callback.</summary>
public sealed record PendingAuthorization(
    string ProjectId,
    string Provider,
    string PatientId,
    string? RedirectUri,
    string CallbackUri,
    string? PkceVerifier,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"PendingAuthorization ({ProjectId}/{Provider}/{PatientId})";
}

/// <summary>
/// Connections stored as FHIR Endpoint resources. Saves are optimistic: a connection carrying a
/// stale <see cref="Connection.Version"/> raises <see cref="Exceptions.ConflictException"/>.
/// </summary>
public interface IConnectionRepository
{
    Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken);

    Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken);

    /// <summary>
    /// The same connections as <see cref="ListByPatientAsync"/>, ordered by provider, as the
    /// listing shows them: a store may answer from what it keeps beside the resource.
    /// </summary>
    Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken);

    /// <summary>Creates or updates; sets the new <see cref="Connection.Version"/>.</summary>
    Task SaveAsync(Connection connection, CancellationToken cancellationToken);
}

/// <summary>A store that can say whether it is reachable (for /health/ready).</summary>
public interface IStoreHealth
{
    string Name { get; }

    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}
