using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// What a listing shows of one connection (the Open Wearables connection shape), as a store can read it without rebuilding
/// the whole <see cref="Connection"/>: no tokens, no address, nothing to decrypt.
/// </summary>
public sealed record ConnectionSummary(
    Guid Id,
    string PatientId,
    string Provider,
    ConnectionStatus Status,
    LinkStatus? LinkStatus,
    string? ProviderUserId,
    string? ProviderUsername,
    string? Scope,
    DateTimeOffset? LastSyncedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ConnectionSummary Of(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new ConnectionSummary(
            connection.Id,
            connection.PatientId,
            connection.Provider,
            connection.Status,
            connection.LinkStatus,
            connection.ProviderUserId,
            connection.ProviderUsername,
            connection.Scope,
            connection.LastSyncedAt,
            connection.CreatedAt,
            connection.UpdatedAt);
    }
}
