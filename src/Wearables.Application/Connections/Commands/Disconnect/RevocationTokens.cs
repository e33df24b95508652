using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.Disconnect;

/// <summary>
/// Opens the tokens a revoked connection held, and seals the copy kept for retrying its revocation.
/// The copy has a purpose of its own (scope <c>revocation:&lt;connection id&gt;</c>): it cannot be opened as
/// a connection's token, and a connection's envelope cannot be opened as a copy.
/// </summary>
public sealed class RevocationTokens(ISecretProtector protector)
{
    public static string ScopeOf(Guid connectionId) => "revocation:" + connectionId.ToString("D");

    /// <summary>The plaintext tokens of <paramref name="revoked"/> (taken from <paramref name="connection"/>); null when the access token does not open.</summary>
    public RevocableGrant? OpenRevoked(Connection connection, RevokedTokens revoked)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(revoked);
        var scope = ConnectionTokens.ScopeOf(connection.Id);
        return Open(connection.ProjectId, scope, revoked.AccessTokenEnvelope, revoked.RefreshTokenEnvelope, revoked.ExpiresAt, connection.ProviderUserId);
    }

    /// <summary>The plaintext tokens of a pending revocation; null when its copy does not open (tampered, or another key).</summary>
    public RevocableGrant? OpenPending(PendingRevocation pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return Open(pending.ProjectId, ScopeOf(pending.ConnectionId), pending.AccessTokenEnvelope, pending.RefreshTokenEnvelope, pending.TokenExpiresAt, pending.ProviderUserId);
    }

    /// <summary>A pending revocation of <paramref name="connection"/>'s <paramref name="grant"/>, sealed for retrying only.</summary>
    public PendingRevocation Seal(Connection connection, RevocableGrant grant, DateTimeOffset revokedAt, DateTimeOffset dueAt, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(grant);
        var scope = ScopeOf(connection.Id);
        return new PendingRevocation(
            connection.Id,
            connection.ProjectId,
            connection.PatientId,
            connection.Provider,
            grant.ProviderUserId,
            protector.Protect(grant.AccessToken, new SecretPurpose(connection.ProjectId, scope, ConnectionTokens.AccessTokenField)),
            grant.RefreshToken is null ? null : protector.Protect(grant.RefreshToken, new SecretPurpose(connection.ProjectId, scope, ConnectionTokens.RefreshTokenField)),
            grant.ExpiresAt,
            revokedAt,
            dueAt,
            expiresAt,
            Attempts: 0);
    }

    private RevocableGrant? Open(string projectId, string scope, string? accessEnvelope, string? refreshEnvelope, DateTimeOffset? expiresAt, string? providerUserId)
    {
        if (accessEnvelope is null || !protector.TryUnprotect(accessEnvelope, new SecretPurpose(projectId, scope, ConnectionTokens.AccessTokenField), out var accessToken))
        {
            return null;
        }

        string? refreshToken = null;
        if (refreshEnvelope is not null && protector.TryUnprotect(refreshEnvelope, new SecretPurpose(projectId, scope, ConnectionTokens.RefreshTokenField), out var opened))
        {
            refreshToken = opened;
        }

        return new RevocableGrant(accessToken, refreshToken, expiresAt, providerUserId);
    }
}
