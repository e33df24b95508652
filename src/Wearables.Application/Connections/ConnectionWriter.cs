using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// Writes the one connection of a project + patient + provider: find it (or create it), apply the
/// change, save; a concurrent writer (<see cref="ConflictException"/>) makes it read again and
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
        ArgumentNullException.ThrowIfNull(retry);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var now = time.GetUtcNow();
                var connection = await connections.FindAsync(projectId, patientId, provider, cancellationToken).ConfigureAwait(false)
                    ?? Connection.Create(projectId, patientId, provider, source, now);
                change(connection, now);
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
/// When <see cref="ConnectionWriter"/> tries again: after a conflict, and after a store outage too
/// when <see cref="WhenStoreDown"/>; one retry per entry of <see cref="Delays"/>, after that pause.
/// </summary>
public sealed record SaveRetry(IReadOnlyList<TimeSpan> Delays, bool WhenStoreDown, Action<int, Exception>? OnRetry = null)
{
    public bool Allows(Exception exception, int attempt) =>
        attempt < Delays.Count && (exception is ConflictException || (WhenStoreDown && exception is DependencyUnavailableException));
}
