using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Fhir;
using Wearables.Infrastructure.Fhir.Model;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Connections as FHIR Endpoint JSON in the embedded database, one row per project + patient +
/// provider, with an integer version for optimistic updates. Listing uses the (project, patient, …)
/// unique index: it never scans other users' rows.
/// </summary>
public sealed class SqliteConnectionRepository(SqliteDatabase db, TimeProvider time) : IConnectionRepository
{
    public Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command(
                "SELECT resource, version FROM connections WHERE project_id = $p AND patient_id = $pt AND provider = $v",
                ("$p", projectId), ("$pt", patientId), ("$v", provider));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<Connection>>(async c =>
        {
            await using var command = c.Command(
                "SELECT resource, version FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider",
                ("$p", projectId), ("$pt", patientId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var result = new List<Connection>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(Read(reader));
            }

            return result;
        }, cancellationToken);

    public Task SaveAsync(Connection connection, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(connection);
            var current = connection.Version is null ? 0 : long.Parse(connection.Version, CultureInfo.InvariantCulture);
            var next = current + 1;
            var endpoint = EndpointMapper.ToEndpoint(connection);
            endpoint.Meta!.VersionId = next.ToString(CultureInfo.InvariantCulture);
            endpoint.Meta.LastUpdated = EndpointMapper.Instant(time.GetUtcNow());
            var json = JsonSerializer.Serialize(endpoint, FhirJson.Options);

            await using var command = connection.Version is null
                ? c.Command(
                    """
                    INSERT INTO connections (id, project_id, patient_id, provider, version, resource, updated_at)
                    VALUES ($id, $p, $pt, $v, 1, $json, $at) ON CONFLICT DO NOTHING
                    """,
                    ("$id", connection.Id.ToString("D")), ("$p", connection.ProjectId), ("$pt", connection.PatientId), ("$v", connection.Provider),
                    ("$json", json), ("$at", connection.UpdatedAt.ToStored()))
                : c.Command(
                    "UPDATE connections SET version = $next, resource = $json, updated_at = $at WHERE id = $id AND version = $current",
                    ("$next", next), ("$json", json), ("$at", connection.UpdatedAt.ToStored()), ("$id", connection.Id.ToString("D")), ("$current", current));
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new ConflictException("connection_conflict", "The connection was changed concurrently; retry.");
            }

            connection.SetVersion(next.ToString(CultureInfo.InvariantCulture));
            return true;
        }, cancellationToken);

    private static Connection Read(SqliteDataReader reader)
    {
        var endpoint = JsonSerializer.Deserialize<Endpoint>(reader.GetString(0), FhirJson.Options)!;
        return EndpointMapper.ToConnection(endpoint, reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));
    }
}
