using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Wearables.Infrastructure.Caching;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// Cache invalidations between instances over Redis pub/sub. The feed is live only while the
/// subscription is in place and no connection to Redis has failed since: a message published
/// while we were disconnected is lost, so the cache is bypassed until we are back, and emptied then.
/// </summary>
public sealed partial class RedisInvalidationFeed(RedisConnection redis, ILogger<RedisInvalidationFeed> logger) : IInvalidationFeed, IDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(RedisKeys.CacheInvalidationChannel);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource stopping = new();
    private readonly HashSet<ConnectionType> failed = [];
    private IInvalidationSink? sink;
    private volatile ConnectionMultiplexer? watched;
    private bool subscribed;

    public bool IsConnected => watched?.IsConnected == true;

    public void Start(IInvalidationSink receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (Interlocked.CompareExchange(ref sink, receiver, null) is not null)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await SubscribeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }
        });
    }

    public Task PublishAsync(string key, CancellationToken cancellationToken) =>
        redis.RunAsync(async db => await db.Multiplexer.GetSubscriber().PublishAsync(Channel, key).ConfigureAwait(false), cancellationToken);

    public void Dispose()
    {
        stopping.Cancel();
        lock (failed)
        {
            if (watched is not null)
            {
                watched.ConnectionFailed -= OnConnectionFailed;
                watched.ConnectionRestored -= OnConnectionRestored;
            }

            sink = null;
        }

        stopping.Dispose();
    }

    private async Task SubscribeAsync()
    {
        ConnectionMultiplexer? multiplexer = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (multiplexer is null)
                {
                    multiplexer = await redis.MultiplexerAsync(stopping.Token).ConfigureAwait(false);
                    lock (failed)
                    {
                        watched = multiplexer;
                        multiplexer.ConnectionFailed += OnConnectionFailed;
                        multiplexer.ConnectionRestored += OnConnectionRestored;
                    }
                }

                await multiplexer.GetSubscriber().SubscribeAsync(Channel, (_, message) => sink?.Invalidate((string?)message ?? StoreCache.Everything)).ConfigureAwait(false);
                lock (failed)
                {
                    subscribed = true;
                    failed.Clear();
                    sink?.SetLive(multiplexer.IsConnected);
                }

                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogNotSubscribed(logger, ex.GetType().Name);
                await Task.Delay(RetryDelay, stopping.Token).ConfigureAwait(false);
            }
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        lock (failed)
        {
            failed.Add(e.ConnectionType);
            sink?.SetLive(false);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        lock (failed)
        {
            failed.Remove(e.ConnectionType);
            if (subscribed && failed.Count == 0)
            {
                // Whatever was published meanwhile is lost: SetLive empties the cache.
                sink?.SetLive(true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache invalidation feed not subscribed yet ({Reason}); the store cache is bypassed until it is")]
    private static partial void LogNotSubscribed(ILogger logger, string reason);
}
