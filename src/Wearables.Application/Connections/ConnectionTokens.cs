using Wearables.Application.Common.Interfaces;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>Seals provider tokens for one connection: the connection id is the envelope's scope (<see cref="ScopeOf"/>).</summary>
public sealed class ConnectionTokens(ISecretProtector protector)
{
    public const string AccessTokenField = "access_token";
    public const string RefreshTokenField = "refresh_token";

    public OAuthGrant Seal(string projectId, Guid connectionId, ProviderTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var scope = ScopeOf(connectionId);
        return new OAuthGrant(
            protector.Protect(tokens.AccessToken, new SecretPurpose(projectId, scope, AccessTokenField)),
            tokens.RefreshToken is null ? null : protector.Protect(tokens.RefreshToken, new SecretPurpose(projectId, scope, RefreshTokenField)),
            tokens.ExpiresAt,
            tokens.Scope,
            tokens.ProviderUserId,
            tokens.ProviderUsername);
    }

    public static string ScopeOf(Guid connectionId) => "connection:" + connectionId.ToString("D");
}
