using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// Refreshes a connection's tokens, once however many callers of this process ask at once: they
/// share one run (per connection and asked validity), which takes the connection's
/// <see cref="IRefreshLock"/> so that other instances share it too (<see cref="RefreshRun"/>).
/// The run has a scope of its own and ignores the callers' cancellation: a caller that gives up
/// does not abort a provider call whose rotated refresh token must still be stored.
/// </summary>
public sealed class TokenRefresher(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<(Guid, long), Lazy<Task<Connection>>> inFlight = new();

    /// <summary>The connection with a token valid for <paramref name="minValidity"/> (or as valid as the provider allows).</summary>
    /// <exception cref="Common.Exceptions.AppException">409 revoked/expired, 404 gone, 502 provider unavailable, 503 store down.</exception>
    public Task<Connection> RefreshAsync(Connection seen, TimeSpan minValidity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var key = (seen.Id, (long)minValidity.TotalSeconds);
        var run = inFlight.GetOrAdd(key, k => new Lazy<Task<Connection>>(() => RunAsync(k, seen, minValidity)));
        return run.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when every run in progress has ended (at shutdown: a run whose callers stopped waiting
    /// must still store the pair the provider issued), or when <paramref name="cancellationToken"/> ends.
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (!inFlight.IsEmpty)
        {
            var runs = inFlight.Values.Where(r => r.IsValueCreated).Select(r => (Task)r.Value).ToArray();
            try
            {
                await Task.WhenAll(runs).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A failed run has ended too.
            }

            if (runs.Length == 0)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Connection> RunAsync((Guid, long) key, Connection seen, TimeSpan minValidity)
    {
        try
        {
            await Task.Yield();
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<RefreshRun>().RunAsync(seen, minValidity, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            inFlight.TryRemove(key, out _);
        }
    }
}
