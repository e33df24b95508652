using Wearables.Application.Connections.Tokens;

namespace Wearables.Infrastructure.InProcess;

/// <summary>
/// The refresh lock in Embedded mode, where one process is the only instance: a semaphore per
/// connection, kept only while someone holds or waits for it (so the map stays as small as the
/// refreshes in flight).
/// </summary>
public sealed class InProcessRefreshLock : IRefreshLock
{
    private readonly Dictionary<Guid, Gate> gates = [];

    public async Task<IAsyncDisposable?> TryAcquireAsync(Guid connectionId, TimeSpan wait, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (gates)
        {
            if (!gates.TryGetValue(connectionId, out gate!))
            {
                gates[connectionId] = gate = new Gate();
            }

            gate.Users++;
        }

        try
        {
            if (await gate.Semaphore.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
            {
                return new Release(this, connectionId, gate);
            }
        }
        catch
        {
            Leave(connectionId, gate);
            throw;
        }

        Leave(connectionId, gate);
        return null;
    }

    /// <summary>Connections with a gate right now (for tests: none once every refresh is done).</summary>
    public int Count
    {
        get
        {
            lock (gates)
            {
                return gates.Count;
            }
        }
    }

    private void Leave(Guid connectionId, Gate gate)
    {
        lock (gates)
        {
            if (--gate.Users == 0)
            {
                gates.Remove(connectionId);
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Release(InProcessRefreshLock owner, Guid connectionId, Gate gate) : IAsyncDisposable
    {
        private int released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Semaphore.Release();
                owner.Leave(connectionId, gate);
            }

            return ValueTask.CompletedTask;
        }
    }
}
