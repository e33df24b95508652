using System.Globalization;
using Microsoft.Data.Sqlite;
using Wearables.Application.Common;
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
public sealed class SqliteConnectionRepository(SqliteDatabase db, EndpointCodec codec, TimeProvider time) : IConnectionRepository, IConnectionInventory
{
    /// <summary>By id (the primary key), after the cursor's id: a connection written meanwhile keeps its place.</summary>
    public Task<ConnectionPage> ListPageAsync(string? cursor, int max, CancellationToken cancellationToken) =>
        db.RunAsync(async c =>
        {
            await using var command = c.Command(
                "SELECT resource, version, id FROM connections WHERE id > $after ORDER BY id LIMIT $max", ("$after", cursor ?? string.Empty), ("$max", max));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var page = new List<Connection>();
            string? last = null;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                page.Add(Read(reader));
                last = reader.GetString(2);
            }

            return new ConnectionPage(page, page.Count == max ? last : null);
        }, cancellationToken);

    /// <summary>Summaries kept over all cached lists, at most (about 300 bytes each, a few MB in all).</summary>
    private const int MaxCachedSummaries = 20_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Project, string Patient), CachedList> lists = new();
    private int cachedSummaries;

    /// <summary>Decoded connections kept, at most (a snapshot of sealed fields each, about 1 KB).</summary>
    private const int MaxDecodedConnections = 20_000;

    // The last decoded form of each connection read, by its row version: the Firely decode was most of a
    // token request's CPU. Holds what the row holds (tokens only as sealed envelopes), never an opened token.
    private readonly BoundedMemo<(string Project, string Patient, string Provider), DecodedConnection> decoded = new(MaxDecodedConnections);

    /// <summary>
    /// One read of the row each time, as before: the resource comes back only when the row's version is not the
    /// one decoded last (every write of a row raises its version: this build's saves, older builds' saves),
    /// otherwise the connection is rebuilt from the snapshot kept for that version. So a write by any process
    /// sharing the file (a refresh, a revoke, an expiry, a reconnect) is seen by the next read, as without the cache.
    /// </summary>
    public Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken)
    {
        var key = (projectId, patientId, provider);
        var known = decoded.TryGet(key, out var kept) ? kept : null;
        return db.ReadRowAsync(
            "SELECT version, CASE WHEN version = $known THEN NULL ELSE resource END FROM connections WHERE project_id = $p AND patient_id = $pt AND provider = $v",
            [("$known", known?.Version ?? -1), ("$p", projectId), ("$pt", patientId), ("$v", provider)],
            reader =>
            {
                if (!reader.Read())
                {
                    return null;
                }

                var version = reader.GetInt64(0);
                if (known is not null && known.Version == version && reader.IsDBNull(1))
                {
                    return Connection.Restore(known.Snapshot);
                }

                var connection = EndpointCodec.Decode(reader.GetString(1), version.ToString(CultureInfo.InvariantCulture));
                decoded.Add(key, new DecodedConnection(version, connection.ToSnapshot()));
                return (Connection?)connection;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT resource, version FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider",
            [("$p", projectId), ("$pt", patientId)], cancellationToken);

    /// <summary>
    /// The user's list, read again only when its stamp changed: one row (<see cref="ConnectionListStamps"/>) however
    /// many connections the user has, which SQLite's triggers change in the same transaction as every insert, update
    /// or delete of the user's connection rows, by whichever process or tool writes the file. So an equal stamp means
    /// the same rows. The answer is the same list instance while the stamp holds (callers may keep what they derive
    /// from it by identity). A user without a stamp row (no connections) is read, not kept.
    /// </summary>
    public async Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken)
    {
        var stamp = await db.ReadRowAsync(
            ConnectionListStamps.Read,
            [("$p", projectId), ("$pt", patientId)],
            reader => reader.Read() ? reader.GetInt64(0) : (long?)null,
            cancellationToken).ConfigureAwait(false);
        var key = (projectId, patientId);
        if (stamp is not null && lists.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Summaries;
        }

        return await db.RunAsync<IReadOnlyList<ConnectionSummary>>(async c =>
        {
            await using var command = c.Command(
                $"SELECT {ConnectionListColumns.Select} FROM connections WHERE project_id = $p AND patient_id = $pt ORDER BY provider",
                ("$p", projectId), ("$pt", patientId));
            await using var rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var result = new List<ConnectionSummary>();
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(ConnectionListColumns.Read(rows, patientId));
            }

            // Read between the stamp and the rows, a write makes the rows newer than the stamp: kept under the older
            // stamp, they are read again at the next list (the stamp then differs), never answered for a newer one.
            if (stamp is { } kept)
            {
                Remember(key, new CachedList(kept, result));
            }

            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    private void Remember((string, string) key, CachedList list)
    {
        if (Interlocked.Add(ref cachedSummaries, list.Summaries.Count) > MaxCachedSummaries)
        {
            // Bounded: emptied when full (the lists of active users come back at their next read).
            lists.Clear();
            Interlocked.Exchange(ref cachedSummaries, list.Summaries.Count);
        }

        lists[key] = list;
    }

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
                throw ConflictException.Concurrent();
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

    private sealed record CachedList(long Stamp, IReadOnlyList<ConnectionSummary> Summaries);

    /// <summary>A connection as decoded at one row version.</summary>
    private sealed record DecodedConnection(long Version, ConnectionSnapshot Snapshot);
}
