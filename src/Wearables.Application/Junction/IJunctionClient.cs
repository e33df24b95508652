namespace Wearables.Application.Junction;

/// <summary>
/// Junction (Vital) API. Unreachable, slow, 5xx or unparseable answers raise
/// <see cref="Common.Exceptions.UpstreamException"/> (502). Every call names the team it goes to:
/// one project's key never answers for another project's users.
/// </summary>
public interface IJunctionClient
{
    /// <summary>The Junction user id of a valid, unused link token; null when Junction says it is invalid or used.</summary>
    Task<string?> ValidateLinkTokenAsync(JunctionAccount account, string linkToken, CancellationToken cancellationToken);

    Task<JunctionUser> GetUserAsync(JunctionAccount account, string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<JunctionProvider>> GetProvidersAsync(JunctionAccount account, string userId, CancellationToken cancellationToken);
}

public sealed record JunctionUser(string UserId, string? ClientUserId);

public sealed record JunctionProvider(string Slug, string? Name, string? Status);
