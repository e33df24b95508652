namespace Wearables.Application.Connections;

/// <summary>
/// Pending OAuth flows, keyed by a hash of the state (the raw state is never a key). A state is
/// taken at most once: of concurrent takes, exactly one gets it. A store keeps a flow until its
/// <see cref="PendingAuthorization.ExpiresAt"/>, and never hands it out after that. A store keeps
/// the <see cref="OAuthStateLimits"/> it was given, atomically with the save.
/// </summary>
public interface IOAuthStateStore
{
    /// <summary>Saves a new flow, dropping the oldest of its patient and provider beyond the bound.</summary>
    /// <exception cref="Common.Exceptions.TooManyRequestsException">The project has its ceiling of pending flows.</exception>
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

/// <summary>
/// The bound on pending flows every <see cref="IOAuthStateStore"/> keeps (<c>Wearables:Limits:*</c>):
/// at most <see cref="PendingFlowsPerPatient"/> per project, patient and provider (saving one more
/// drops the oldest), and at most <see cref="PendingStatesPerProject"/> per project (saving one more
/// is refused with <see cref="Common.Exceptions.TooManyRequestsException"/>, and changes nothing).
/// </summary>
public sealed record OAuthStateLimits(int PendingFlowsPerPatient = OAuthStateLimits.DefaultPendingFlowsPerPatient, int PendingStatesPerProject = OAuthStateLimits.DefaultPendingStatesPerProject)
{
    public const int DefaultPendingFlowsPerPatient = 3;

    public const int DefaultPendingStatesPerProject = 10_000;

    public static OAuthStateLimits Default { get; } = new();

    /// <summary>The refusal when a project has <see cref="PendingStatesPerProject"/> pending flows; retry when the oldest expires.</summary>
    public static Common.Exceptions.TooManyRequestsException ProjectFull(TimeSpan retryAfter) =>
        new("pending_flows_exhausted", "The project has too many authorizations in progress; try again later.", retryAfter);
}
