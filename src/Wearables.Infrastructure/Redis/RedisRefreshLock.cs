using Medallion.Threading.Redis;
using Wearables.Application.Connections.Tokens;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// The refresh lock across instances: DistributedLock.Redis (SET NX PX with a random owner value,
/// released by its owner only through a compare-and-delete script, extended while held). The
/// connection id is a hash of project, patient and provider, so the key names no one.
/// </summary>
public sealed class RedisRefreshLock(RedisConnection redis, TokenRefreshOptions options) : IRefreshLock
{
    public async Task<IAsyncDisposable?> TryAcquireAsync(Guid connectionId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var handle = await redis.RunAsync(async db =>
        {
            var distributed = new RedisDistributedLock(RedisKeys.RefreshLock(connectionId), db, o => o
                .Expiry(options.LockLifetime)
                .BusyWaitSleepTime(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)));
            return await distributed.TryAcquireAsync(wait, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return handle is null ? null : new Release(handle);
    }

    /// <summary>A release that fails (Redis gone meanwhile) is no error of the refresh: the lock expires on its own.</summary>
    private sealed class Release(RedisDistributedLockHandle handle) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
            }
        }

        /// <summary>DistributedLock.Redis throws a failed release as an AggregateException around the client's own.</summary>
        private static bool IsRedisFailure(Exception ex) => ex switch
        {
            AggregateException aggregate => aggregate.Flatten().InnerExceptions.All(IsRedisFailure),
            StackExchange.Redis.RedisException or TimeoutException => true,
            _ => false,
        };
    }
}
