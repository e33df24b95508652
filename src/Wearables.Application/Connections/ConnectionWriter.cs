using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// Writes the one connection of a project + patient + provider: find it (or create it), apply the
/// change, save; a concurrent writer (<see cref="ConflictException.Concurrent"/>) makes it read again and
/// re-apply, as the <see cref="SaveRetry"/> allows. The change is applied to a fresh read each time.
/// </summary>
public sealed class ConnectionWriter(IConnectionRepository connections, TimeProvider time)
{
    public async Task<Connection> UpsertAsync(
        string projectId,
        string patientId,
        string provider,
        ConnectionSource source,
        Action<Connection, DateTimeOffset> change,
        SaveRetry retry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var saved = await WriteAsync(
            projectId, patientId, provider,
            now => Connection.Create(projectId, patientId, provider, source, now),
            (connection, now) =>
            {
                change(connection, now);
                return true;
            },
            retry, cancellationToken).ConfigureAwait(false);
        return saved!;
    }

    /// <summary>
    /// As <see cref="UpsertAsync(string, string, string, ConnectionSource, Action{Connection, DateTimeOffset}, SaveRetry, CancellationToken)"/>,
    /// where <paramref name="change"/> answers whether it changed anything: when it did not, nothing is
    /// written (a connection it found is answered as read, a new one is not created).
    /// </summary>
    public Task<Connection?> UpsertAsync(
        string projectId,
        string patientId,
        string provider,
        ConnectionSource source,
        Func<Connection, DateTimeOffset, bool> change,
        SaveRetry retry,
        CancellationToken cancellationToken) =>
        WriteAsync(projectId, patientId, provider, now => Connection.Create(projectId, patientId, provider, source, now), change, retry, cancellationToken);

    /// <summary>
    /// As <see cref="UpsertAsync(string, string, string, ConnectionSource, Action{Connection, DateTimeOffset}, SaveRetry, CancellationToken)"/> for a connection that must exist already: null when there is none
    /// (nothing is created). <paramref name="change"/> answers whether it changed anything; when it
    /// did not, nothing is written and the connection is answered as read.
    /// </summary>
    public Task<Connection?> UpdateAsync(
        string projectId,
        string patientId,
        string provider,
        Func<Connection, DateTimeOffset, bool> change,
        SaveRetry retry,
        CancellationToken cancellationToken) =>
        WriteAsync(projectId, patientId, provider, _ => null, change, retry, cancellationToken);

    private async Task<Connection?> WriteAsync(
        string projectId,
        string patientId,
        string provider,
        Func<DateTimeOffset, Connection?> whenMissing,
        Func<Connection, DateTimeOffset, bool> change,
        SaveRetry retry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(retry);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var now = time.GetUtcNow();
                var connection = await connections.FindAsync(projectId, patientId, provider, cancellationToken).ConfigureAwait(false)
                    ?? whenMissing(now);
                if (connection is null || !change(connection, now))
                {
                    return connection;
                }

                await connections.SaveAsync(connection, cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (AppException ex) when (retry.Allows(ex, attempt))
            {
                retry.OnRetry?.Invoke(attempt + 1, ex);
                if (retry.Delays[attempt] > TimeSpan.Zero)
                {
                    await Task.Delay(retry.Delays[attempt], time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}

/// <summary>
/// When <see cref="ConnectionWriter"/> tries again: after a lost concurrent write (not after a
/// business conflict a change throws, which another read would only repeat), and after a store outage too
/// when <see cref="WhenStoreDown"/>; one retry per entry of <see cref="Delays"/>, after that pause.
/// </summary>
public sealed record SaveRetry(IReadOnlyList<TimeSpan> Delays, bool WhenStoreDown, Action<int, Exception>? OnRetry = null)
{
    public bool Allows(Exception exception, int attempt) =>
        attempt < Delays.Count && (exception is ConflictException { IsConcurrentWrite: true } || (WhenStoreDown && exception is DependencyUnavailableException));
}
