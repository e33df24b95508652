using Wearables.Application.Providers;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// The access token a revocation presents at the provider (<see cref="RefreshingAccessTokenSource"/>):
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

/// <summary>
/// The stored access token while it is still valid; an expired one is refreshed first with the
/// sealed copy's refresh token (a provider answers an expired token with 401, which would settle
/// the revocation while the grant lives on). A refresh the provider refuses (<c>invalid_grant</c>)
/// means the grant is already dead: the stored token is presented and its 401 settles it. A provider
/// that cannot be reached raises <see cref="Common.Exceptions.UpstreamException"/>: try again later.
/// </summary>
public sealed class RefreshingAccessTokenSource(IOAuthProviderClient client, Credentials.ProjectCredentials credentials, TimeProvider time) : IAccessTokenSource
{
    /// <summary>Refresh when less than this is left: the revocation call itself takes time.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public async Task<string> ForRevocationAsync(string projectId, ProviderDescriptor provider, RevocableGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.RefreshToken is null || grant.ExpiresAt is not { } expiresAt || expiresAt - time.GetUtcNow() > Margin)
        {
            return grant.AccessToken;
        }

        var appCredentials = await credentials.GetAsync(projectId, provider.Slug, cancellationToken).ConfigureAwait(false);
        if (appCredentials is null)
        {
            // The project removed its app credentials: nothing can refresh; the provider judges the stored token.
            return grant.AccessToken;
        }

        var result = await client.RefreshAsync(provider, appCredentials, grant.RefreshToken, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            RefreshOutcome.Refreshed => result.Tokens!.AccessToken,
            RefreshOutcome.GrantRejected => grant.AccessToken,
            _ => throw new Common.Exceptions.UpstreamException("provider_unavailable", "The provider could not refresh the token before revoking it."),
        };
    }
}
