namespace Wearables.Application.Connections;

/// <summary>
/// Pending OAuth flows, keyed by a hash of the state (the raw state is never a key). A state is
/// taken at most once: of concurrent takes, exactly one gets it. A store keeps a flow until its
/// <see cref="PendingAuthorization.ExpiresAt"/>, and never hands it out after that.
/// </summary>
public interface IOAuthStateStore
{
    Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken);

    /// <summary>Atomically reads and deletes; null when unknown, already taken, or expired.</summary>
    Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken);
}

/// <summary>What connect remembers for the callback.</summary>
/// <param name="PkceVerifierEnvelope">The PKCE verifier sealed by <see cref="PkceVerifiers"/> (never the plaintext), or null without PKCE.</param>
public sealed record PendingAuthorization(
    string ProjectId,
    string Provider,
    string PatientId,
    string? RedirectUri,
    string CallbackUri,
    string? PkceVerifierEnvelope,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// Derived from <see cref="OAuthState.TimeToLive"/>, the one statement of how long a flow lives:
    /// stores read their expiry from here. Not stored (read-only), so a stored flow cannot disagree.
    /// </summary>
    public DateTimeOffset ExpiresAt => CreatedAt + OAuthState.TimeToLive;

    public override string ToString() => $"PendingAuthorization ({ProjectId}/{Provider}/{PatientId})";
}
