using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Infrastructure.Caching;
using Wearables.Infrastructure.Redis;

namespace Wearables.Infrastructure.Tests.Caching;

/// <summary>One service instance's cached stores over Redis (its own connection, feed and cache), as the host wires them.</summary>
internal sealed class CachedInstance : IDisposable
{
    private readonly RedisConnection redis;
    private readonly RedisInvalidationFeed feed;

    private CachedInstance(RedisConnection redis)
    {
        this.redis = redis;
        feed = new RedisInvalidationFeed(redis, NullLogger<RedisInvalidationFeed>.Instance);
        Cache = new StoreCache(feed, TimeSpan.FromMinutes(5), 1000, NullLogger<StoreCache>.Instance);
        Settings = new CachingProjectSettingsStore(new RedisProjectSettingsStore(redis), Cache);
        Secrets = new CachingProjectSecretStore(new RedisProjectSecretStore(redis), Cache);
        Keys = new CachingApiKeyStore(new RedisApiKeyStore(redis), Cache);
    }

    public StoreCache Cache { get; }

    public IProjectSettingsStore Settings { get; }

    public IProjectSecretStore Secrets { get; }

    public IApiKeyStore Keys { get; }

    /// <summary>An instance whose cache is live (subscribed) before it is handed out.</summary>
    public static async Task<CachedInstance> StartAsync(string connectionString, TimeSpan delivery)
    {
        var instance = new CachedInstance(new RedisConnection(connectionString));
        await EventuallyAsync(() => Task.FromResult(instance.Cache.IsLive), delivery);
        return instance;
    }

    /// <summary>Waits for <paramref name="condition"/>; the bound only turns a lost message into a failure, it is no timing claim.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan delivery)
    {
        var deadline = DateTime.UtcNow + delivery;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (DependencyUnavailableException) when (DateTime.UtcNow < deadline)
            {
                // Reconnecting.
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"not seen within {delivery.TotalSeconds} s");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        Cache.Dispose();
        feed.Dispose();
        redis.Dispose();
    }
}
