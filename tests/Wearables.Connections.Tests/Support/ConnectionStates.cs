using Wearables.Domain.Connections;

namespace Wearables.Connections.Tests.Support;

/// <summary>
/// Connections in states that no use case writes yet (revoked, expired, synced), for the stores to
/// keep and the listing to show: made as a repository makes a stored one, from a snapshot. The
/// version is kept, so a save after this is an update of what was read.
/// </summary>
internal static class ConnectionStates
{
    public static Connection Revoked(Connection connection, DateTimeOffset at) =>
        With(connection, s => s with { Status = ConnectionStatus.Revoked, AccessTokenEnvelope = null, RefreshTokenEnvelope = null, TokenExpiresAt = null, UpdatedAt = at });

    public static Connection Expired(Connection connection, DateTimeOffset at) =>
        With(connection, s => s with { Status = ConnectionStatus.Expired, UpdatedAt = at });

    public static Connection Synced(Connection connection, DateTimeOffset at) =>
        With(connection, s => s with { LastSyncedAt = at, UpdatedAt = at });

    /// <summary>Every stored field of <paramref name="connection"/>, read by name (a snapshot's fields are the connection's properties).</summary>
    public static ConnectionSnapshot Snapshot(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var constructor = typeof(ConnectionSnapshot).GetConstructors().Single();
        var values = constructor.GetParameters()
            .Select(p => typeof(Connection).GetProperty(char.ToUpperInvariant(p.Name![0]) + p.Name[1..])!.GetValue(connection))
            .ToArray();
        return (ConnectionSnapshot)constructor.Invoke(values);
    }

    private static Connection With(Connection connection, Func<ConnectionSnapshot, ConnectionSnapshot> change) =>
        Connection.Restore(change(Snapshot(connection)));
}
