using System.Collections.Concurrent;
using Wearables.Application.Connections.Tokens;

namespace Wearables.Infrastructure.InProcess;

/// <summary>The refresh backoff in Embedded mode: moments in memory, at most <see cref="MaxEntries"/> (past ones dropped first).</summary>
public sealed class InProcessRefreshBackoff : IRefreshBackoff
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> deferred = new();

    public Task<bool> IsDeferredAsync(Guid connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!deferred.TryGetValue(connectionId, out var until))
        {
            return Task.FromResult(false);
        }

        if (until > now)
        {
            return Task.FromResult(true);
        }

        deferred.TryRemove(new KeyValuePair<Guid, DateTimeOffset>(connectionId, until));
        return Task.FromResult(false);
    }

    public Task DeferAsync(Guid connectionId, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (deferred.Count >= MaxEntries)
        {
            foreach (var (id, at) in deferred)
            {
                if (at <= now)
                {
                    deferred.TryRemove(new KeyValuePair<Guid, DateTimeOffset>(id, at));
                }
            }

            if (deferred.Count >= MaxEntries)
            {
                // Still full of live deferrals: forgetting them costs at most one early provider call each.
                deferred.Clear();
            }
        }

        deferred[connectionId] = until;
        return Task.CompletedTask;
    }
}
