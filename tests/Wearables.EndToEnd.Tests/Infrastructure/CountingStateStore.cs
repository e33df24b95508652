using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>The service's own OAuth state store, counting every operation asked of it.</summary>
public sealed class CountingStateStore(IOAuthStateStore inner, CountingStateStore.Counter counter) : IOAuthStateStore
{
    public Task SaveAsync(string stateHash, PendingAuthorization pending, CancellationToken cancellationToken)
    {
        counter.Increment();
        return inner.SaveAsync(stateHash, pending, cancellationToken);
    }

    public Task<PendingAuthorization?> TakeAsync(string stateHash, CancellationToken cancellationToken)
    {
        counter.Increment();
        return inner.TakeAsync(stateHash, cancellationToken);
    }

    /// <summary>Wraps the registration that resolves <see cref="IOAuthStateStore"/> (the last one).</summary>
    public static void Decorate(IServiceCollection services, Counter counter)
    {
        if (!Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IOAuthStateStore>(services, (_, inner) => new CountingStateStore(inner, counter)))
        {
            throw new InvalidOperationException("No OAuth state store is registered to count.");
        }
    }

    public sealed class Counter
    {
        private int value;

        public int Value => Volatile.Read(ref value);

        public void Increment() => Interlocked.Increment(ref value);
    }
}
