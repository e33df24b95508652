using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Credentials;

/// <summary>
/// A project's OAuth app credentials per provider, as encrypted envelopes only: adapters never
/// see plaintext. Adapters raise <see cref="DependencyUnavailableException"/> when their store is down.
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
