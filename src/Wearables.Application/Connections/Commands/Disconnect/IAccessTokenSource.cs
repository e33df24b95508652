using Wearables.Application.Providers;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// The access token a revocation presents at the provider. <see cref="StoredAccessTokenSource"/>
/// answers the stored one; an implementation that can refresh may answer a fresh one where the
/// stored token has expired and a refresh token exists (a provider answers an expired token with
/// 401, which would count as revoked while the grant lives on). Replace the registration to connect it;
/// an <see cref="Common.Exceptions.UpstreamException"/> from it means "try again later".
/// </summary>
public interface IAccessTokenSource
{
    Task<string> ForRevocationAsync(string projectId, ProviderDescriptor provider, RevocableGrant grant, CancellationToken cancellationToken);
}

/// <summary>The opened tokens of a revoked connection: lives only in memory, for the one provider call.</summary>
public sealed record RevocableGrant(string AccessToken, string? RefreshToken, DateTimeOffset? ExpiresAt, string? ProviderUserId)
{
    public override string ToString() => $"RevocableGrant [redacted] (user {ProviderUserId})";
}

/// <summary>The stored access token, as it is (no refresh).</summary>
public sealed class StoredAccessTokenSource : IAccessTokenSource
{
    public Task<string> ForRevocationAsync(string projectId, ProviderDescriptor provider, RevocableGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Task.FromResult(grant.AccessToken);
    }
}
