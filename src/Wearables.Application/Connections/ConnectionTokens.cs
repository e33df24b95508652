using System.Security.Cryptography;
using System.Text;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// Seals provider tokens for one connection, and opens them for the two uses that need them: the
/// token answer and the provider call. The connection id is the envelope's scope (<see cref="ScopeOf"/>).
/// </summary>
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

    /// <summary>The access token, or null when none is stored.</summary>
    public string? OpenAccessToken(Connection connection) => Open(connection, connection?.AccessTokenEnvelope, AccessTokenField);

    /// <summary>The refresh token, or null when none is stored (Polar issues none).</summary>
    public string? OpenRefreshToken(Connection connection) => Open(connection, connection?.RefreshTokenEnvelope, RefreshTokenField);

    /// <summary>Whether <paramref name="connection"/> still stores <paramref name="refreshToken"/> (compared in constant time).</summary>
    public bool StoresRefreshToken(Connection connection, string refreshToken)
    {
        ArgumentNullException.ThrowIfNull(refreshToken);
        var stored = OpenRefreshToken(connection);
        return stored is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(refreshToken));
    }

    /// <summary>
    /// Re-seals the connection's token envelopes that an older master key made with the active key:
    /// true when one was, false when none needed it, null when one does not open (nothing is changed).
    /// </summary>
    public bool? TryReseal(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var scope = ScopeOf(connection.Id);
        string? access = connection.AccessTokenEnvelope, refresh = connection.RefreshTokenEnvelope;
        if ((access is not null && !protector.TryReprotect(access, new SecretPurpose(connection.ProjectId, scope, AccessTokenField), out access))
            || (refresh is not null && !protector.TryReprotect(refresh, new SecretPurpose(connection.ProjectId, scope, RefreshTokenField), out refresh)))
        {
            return null;
        }

        if (access == connection.AccessTokenEnvelope && refresh == connection.RefreshTokenEnvelope)
        {
            return false;
        }

        connection.Resealed(access, refresh);
        return true;
    }

    public static string ScopeOf(Guid connectionId) => "connection:" + connectionId.ToString("D");

    private string? Open(Connection connection, string? envelope, string field)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (envelope is null)
        {
            return null;
        }

        // A stored envelope that does not open is a key problem of ours (a missing master key), not the user's: 503, nothing changed.
        return protector.TryUnprotect(envelope, new SecretPurpose(connection.ProjectId, ScopeOf(connection.Id), field), out var plaintext)
            ? plaintext
            : throw new DependencyUnavailableException("token_unreadable", "A stored token could not be opened with the configured encryption keys.");
    }
}
