namespace Wearables.Application.Junction;

/// <summary>
/// Junction (Vital) API. Unreachable, slow, 5xx or unparseable answers raise
/// <see cref="Common.Exceptions.UpstreamException"/> (502).
/// </summary>
public interface IJunctionClient
{
    /// <summary>The Junction user id of a valid, unused link token; null when Junction says it is invalid or used.</summary>
    Task<string?> ValidateLinkTokenAsync(string linkToken, CancellationToken cancellationToken);

    Task<JunctionUser> GetUserAsync(string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<JunctionProvider>> GetProvidersAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The Junction API base, stored as the connection's Endpoint address.</summary>
    Uri BaseUrl { get; }
}

public sealed record JunctionUser(string UserId, string? ClientUserId);

public sealed record JunctionProvider(string Slug, string? Name, string? Status);
