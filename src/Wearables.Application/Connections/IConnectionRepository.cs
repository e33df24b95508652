using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// Where connections are kept (the embedded database, or FHIR Endpoint resources on a FHIR server).
/// Saves are optimistic: a connection carrying a stale <see cref="Connection.Version"/> raises
/// <see cref="ConflictException"/>; a store that is down raises <see cref="DependencyUnavailableException"/>.
/// </summary>
public interface IConnectionRepository
{
    Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken);

    Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken);

    /// <summary>
    /// The same connections as <see cref="ListByPatientAsync"/>, ordered by provider, as the
    /// listing shows them: a store may answer from what it keeps beside the resource.
    /// </summary>
    Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken);

    /// <summary>
    /// The connections of a project to one provider user (a webhook names the user, not the
    /// patient), found through an index or an identifier search, never by scanning the project.
    /// Usually one; several when one provider account was linked for several patients.
    /// </summary>
    Task<IReadOnlyList<Connection>> FindByProviderUserAsync(string projectId, string provider, string providerUserId, CancellationToken cancellationToken);

    /// <summary>Creates or updates; sets the new <see cref="Connection.Version"/>.</summary>
    Task SaveAsync(Connection connection, CancellationToken cancellationToken);
}
