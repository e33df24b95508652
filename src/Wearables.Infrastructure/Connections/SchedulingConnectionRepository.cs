using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Connections;

namespace Wearables.Infrastructure.Connections;

/// <summary>
/// Keeps the <see cref="IRefreshSchedule"/> beside every connection store: after each successful
/// save, the connection is (re)scheduled at its token's expiry or forgotten. A schedule write that
/// fails does not fail the save: that connection is then refreshed on demand only, until its next save.
/// </summary>
public sealed partial class SchedulingConnectionRepository(IConnectionRepository inner, IRefreshSchedule schedule, ILogger<SchedulingConnectionRepository> logger)
    : IConnectionRepository
{
    public Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken) =>
        inner.FindAsync(projectId, patientId, provider, cancellationToken);

    public Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) =>
        inner.ListByPatientAsync(projectId, patientId, cancellationToken);

    public Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) =>
        inner.ListSummariesByPatientAsync(projectId, patientId, cancellationToken);

    public Task<IReadOnlyList<Connection>> FindByProviderUserAsync(string projectId, string provider, string providerUserId, CancellationToken cancellationToken) =>
        inner.FindByProviderUserAsync(projectId, provider, providerUserId, cancellationToken);

    public async Task SaveAsync(Connection connection, CancellationToken cancellationToken)
    {
        await inner.SaveAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await schedule.PlanAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            LogUnscheduled(logger, connection.Provider, connection.ProjectId, connection.Id);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The {Provider} connection of project {ProjectId} was saved but not (re)scheduled for background refresh (connection {ConnectionId})")]
    private static partial void LogUnscheduled(ILogger logger, string provider, string projectId, Guid connectionId);
}
