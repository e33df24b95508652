using Wearables.Application.Providers;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// Ends a grant at the provider (Strava <c>POST /oauth/deauthorize</c>, Polar <c>DELETE /v3/users/{id}</c>, an
/// RFC 7009 revocation with the project's client credentials, …), as the provider's catalog entry says
/// (<see cref="ProviderDescriptor.Revocation"/>). Never throws for
/// what the provider answers or for a provider that cannot be reached: the outcome says it.
/// </summary>
public interface IProviderRevoker
{
    Task<RevocationOutcome> RevokeAsync(string projectId, ProviderDescriptor provider, string accessToken, string? providerUserId, CancellationToken cancellationToken);
}

/// <summary>What a revocation attempt came to.</summary>
public enum RevocationOutcome
{
    /// <summary>The provider confirmed it (2xx).</summary>
    Revoked,

    /// <summary>401 or 404: the token or user is unknown to the provider already; counts as done.</summary>
    AlreadyRevoked,

    /// <summary>Another 4xx: asking again would get the same answer, so this is done too (and logged).</summary>
    Refused,

    /// <summary>The provider has no way to revoke (its catalog entry names none).</summary>
    NotSupported,

    /// <summary>Unreachable, too slow, 408, 429 or 5xx: try again later.</summary>
    Unavailable,
}

public static class RevocationOutcomes
{
    /// <summary>Whether the attempt settles the revocation (anything but <see cref="RevocationOutcome.Unavailable"/>).</summary>
    public static bool IsFinal(this RevocationOutcome outcome) => outcome != RevocationOutcome.Unavailable;
}
