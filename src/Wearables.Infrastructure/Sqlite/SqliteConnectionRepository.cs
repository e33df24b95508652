using System.Globalization;
using Microsoft.Data.Sqlite;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// Connections as FHIR Endpoint JSON (<see cref="EndpointCodec"/>) in the embedded database, one
/// row per project + patient + provider, with an integer version for optimistic updates and the
/// listed fields in columns of their own (<see cref="ConnectionListColumns"/>). Listing uses the
/// (project, patient, …) unique index: it never scans other users' rows.
/// </summary>
public sealed class SqliteConnectionRepository(SqliteDatabase db, EndpointCodec codec, TimeProvider time) : IConnectionRepository
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
        QueryAsync(
            "SELECT resource, version FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider",
            [("$p", projectId), ("$pt", patientId)], cancellationToken);

    public Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<ConnectionSummary>>(async c =>
        {
            await using var command = c.Command(
                $"SELECT {ConnectionListColumns.Select} FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider",
                ("$p", projectId), ("$pt", patientId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var result = new List<ConnectionSummary>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(ConnectionListColumns.Read(reader, patientId));
            }

            return result;
        }, cancellationToken);

    /// <summary>Uses the (project, provider, provider user) index that migration step 3 adds.</summary>
    public Task<IReadOnlyList<Connection>> FindByProviderUserAsync(string projectId, string provider, string providerUserId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT resource, version FROM connections WHERE project_id = $p AND provider = $v AND provider_user_id = $u ORDER BY patient_id",
            [("$p", projectId), ("$v", provider), ("$u", providerUserId)], cancellationToken);

    public Task SaveAsync(Connection connection, CancellationToken cancellationToken) =>
        db.WriteAsync(async c =>
        {
            ArgumentNullException.ThrowIfNull(connection);
            var current = connection.Version is null ? 0 : long.Parse(connection.Version, CultureInfo.InvariantCulture);
            var next = current + 1;
            var id = connection.Id.ToString("D");
            var json = codec.Encode(connection, id, next.ToString(CultureInfo.InvariantCulture), time.GetUtcNow());
            (string, object?)[] row =
            [
                ("$id", id), ("$p", connection.ProjectId), ("$pt", connection.PatientId), ("$v", connection.Provider),
                ("$next", next), ("$current", current), ("$json", json),
                .. ConnectionListColumns.Parameters(connection, next),
                ("$last_event_at", connection.LastEventAt?.ToStored()),
            ];

            await using var command = connection.Version is null
                ? c.Command(
                    $"INSERT INTO connections (id, project_id, patient_id, provider, version, resource, last_event_at, {ConnectionListColumns.Names}) "
                    + $"VALUES ($id, $p, $pt, $v, $next, $json, $last_event_at, {ConnectionListColumns.Values}) ON CONFLICT DO NOTHING",
                    row)
                : c.Command(
                    $"UPDATE connections SET version = $next, resource = $json, last_event_at = $last_event_at, {ConnectionListColumns.Set} WHERE id = $id AND version = $current",
                    row);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new ConflictException("connection_conflict", "The connection was changed concurrently; retry.");
            }

            connection.SetVersion(next.ToString(CultureInfo.InvariantCulture));
            return true;
        }, cancellationToken);

    /// <summary>Every connection a <c>SELECT resource, version …</c> finds.</summary>
    private Task<IReadOnlyList<Connection>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        db.RunAsync<IReadOnlyList<Connection>>(async c =>
        {
            await using var command = c.Command(sql, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var result = new List<Connection>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(Read(reader));
            }

            return result;
        }, cancellationToken);

    private static Connection Read(SqliteDataReader reader) =>
        EndpointCodec.Decode(reader.GetString(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));
}
