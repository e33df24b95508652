using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// When each refreshable connection's access token expires, kept beside the connections (an indexed
/// SQLite table, or a Redis sorted set) so that the sweep finds the ones due without reading every
/// connection. Kept up to date on every save of a connection.
/// </summary>
public interface IRefreshSchedule
{
    /// <summary>Schedules an active OAuth connection with a refresh token and a stated expiry at that expiry; forgets any other.</summary>
    Task PlanAsync(Connection connection, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="max"/> connections whose token expires before <paramref name="before"/>, soonest first.</summary>
    Task<IReadOnlyList<ScheduledRefresh>> DueAsync(DateTimeOffset before, int max, CancellationToken cancellationToken);
}

/// <summary>One entry of the schedule: which connection, and when its access token expires.</summary>
public sealed record ScheduledRefresh(string ProjectId, string PatientId, string Provider, DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the connection belongs in the schedule at all.</summary>
    public static bool Applies(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection is { Source: ConnectionSource.OAuth, Status: ConnectionStatus.Active, RefreshTokenEnvelope: not null, TokenExpiresAt: not null };
    }

    /// <summary>The schedule's member name: project, patient and provider cannot contain '/' (ids and slugs).</summary>
    public static string KeyOf(string projectId, string patientId, string provider) => $"{projectId}/{patientId}/{provider}";

    public static ScheduledRefresh? FromKey(string key, DateTimeOffset expiresAt)
    {
        var parts = (key ?? string.Empty).Split('/');
        return parts.Length == 3 ? new ScheduledRefresh(parts[0], parts[1], parts[2], expiresAt) : null;
    }
}
