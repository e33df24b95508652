using Microsoft.Extensions.DependencyInjection;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Tokens;

/// <summary>
/// The token path's reads of one connection, shared by the callers of this process that ask at once. A caller
/// that finds a read of the same connection in flight does not start one of its own: it waits for the next read,
/// which starts when the one in flight ends and serves every caller that arrived meanwhile. A storm of N callers
/// costs the store two reads per instance instead of N, and still every answer comes from a read begun after its
/// caller asked, so a revoke, refresh or expiry stored before a request is seen by it, as with a read of its own.
/// The shared connection is read-only for its callers (as a shared <see cref="TokenRefresher"/> result is).
/// A store whose reads complete at once (the embedded store's) is not shared: waiting for another caller's read
/// costs a hop through the thread pool, more than such a read. Which kind the store is, the reads themselves tell:
/// sharing stops after a read that completed at once and starts again at the first that did not.
/// </summary>
public sealed class SharedConnectionReads(IServiceScopeFactory scopes)
{
    private readonly Dictionary<(string Project, string Patient, string Provider), Gate> gates = [];

    // Whether the last read of the store completed at once (then each caller reads on its own).
    private volatile bool readsCompleteAtOnce;

    /// <summary>
    /// The stored connection: read through <paramref name="own"/> when no read of it is in flight here, else the
    /// next shared read's (which runs in a scope of its own and ignores the callers' cancellation).
    /// </summary>
    public async Task<Connection?> FindAsync(IConnectionRepository own, string projectId, string patientId, string provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(own);
        if (readsCompleteAtOnce)
        {
            return await ReadAsync(own, projectId, patientId, provider, cancellationToken).ConfigureAwait(false);
        }

        var key = (projectId, patientId, provider);
        Task<Connection?>? next = null;
        lock (gates)
        {
            if (gates.TryGetValue(key, out var gate))
            {
                gate.Next ??= new TaskCompletionSource<Connection?>(TaskCreationOptions.RunContinuationsAsynchronously);
                next = gate.Next.Task;
            }
            else
            {
                gates[key] = new Gate();
            }
        }

        if (next is not null)
        {
            return await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await ReadAsync(own, projectId, patientId, provider, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            HandOver(key);
        }
    }

    private Task<Connection?> ReadAsync(IConnectionRepository store, string projectId, string patientId, string provider, CancellationToken cancellationToken)
    {
        var read = store.FindAsync(projectId, patientId, provider, cancellationToken);
        readsCompleteAtOnce = read.IsCompleted;
        return read;
    }

    /// <summary>Connections with a read in flight here (for tests: none once every caller has its answer).</summary>
    internal int InFlight
    {
        get
        {
            lock (gates)
            {
                return gates.Count;
            }
        }
    }

    /// <summary>A read ended: the next one starts if callers wait for it, else the connection has no read in flight.</summary>
    private void HandOver((string, string, string) key)
    {
        TaskCompletionSource<Connection?>? next;
        lock (gates)
        {
            var gate = gates[key];
            next = gate.Next;
            if (next is null)
            {
                gates.Remove(key);
                return;
            }

            // The gate stays while the next read runs: callers arriving now wait for the one after it.
            gate.Next = null;
        }

        _ = ReadForWaitersAsync(key, next);
    }

    private async Task ReadForWaitersAsync((string Project, string Patient, string Provider) key, TaskCompletionSource<Connection?> waiters)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var connections = scope.ServiceProvider.GetRequiredService<IConnectionRepository>();
            waiters.TrySetResult(await ReadAsync(connections, key.Project, key.Patient, key.Provider, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            // The store's failure (a 503) is each waiter's answer, as it would have been for a read of its own.
            waiters.TrySetException(ex);
        }
        finally
        {
            HandOver(key);
        }
    }

    private sealed class Gate
    {
        public TaskCompletionSource<Connection?>? Next { get; set; }
    }
}
