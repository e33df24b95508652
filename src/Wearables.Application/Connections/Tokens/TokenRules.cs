using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>When a stored connection's access token can be answered as it is, and the answers when it cannot be used at all.</summary>
public static class TokenRules
{
    /// <summary>Valid for at least <paramref name="minValidity"/> (a token without a stated expiry always is).</summary>
    public static bool IsFresh(Connection connection, TimeSpan minValidity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.AccessTokenEnvelope is not null && (connection.TokenExpiresAt is not { } at || at - now > minValidity);
    }

    /// <summary>409 for a revoked or expired connection: only a new authorization helps.</summary>
    public static void EnsureUsable(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        switch (connection.Status)
        {
            case ConnectionStatus.Revoked:
                throw new ConflictException("connection_revoked", $"The {connection.Provider} connection was revoked: the user must connect again.");
            case ConnectionStatus.Expired:
                throw Expired(connection);
        }
    }

    public static ConflictException Expired(Connection connection) =>
        new("connection_expired", $"The {connection.Provider} connection has expired: the user must connect again.");

    public static NotFoundException NotFound() => new("connection_not_found", "The user has no connection to this provider.");

    public static UpstreamException Unavailable() =>
        new("provider_unavailable", "The provider could not refresh the access token; try again later.");
}
