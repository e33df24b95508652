using StackExchange.Redis;
using Wearables.Infrastructure.Tests.Caching;
using Wearables.Infrastructure.Redis;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Redis;

/// <summary>
/// The settings cache of two instances on a Redis Cluster: a write on one reaches the other, and an
/// invalidation published on any node reaches both (classic pub/sub is broadcast over the cluster bus,
/// whichever node each instance happens to subscribe on).
/// </summary>
[NonParallelizable]
public sealed class RedisClusterInvalidationTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);
    private RedisCluster cluster = null!;
    private CachedInstance a = null!;
    private CachedInstance b = null!;

    [OneTimeSetUp]
    public async Task StartTwoInstances()
    {
        cluster = await RedisCluster.SharedAsync();
        a = await CachedInstance.StartAsync(cluster.ConnectionString, Delivery);
        b = await CachedInstance.StartAsync(cluster.ConnectionString, Delivery);
    }

    [OneTimeTearDown]
    public void Stop()
    {
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public async Task SettingsWrittenOnOneInstance_AreSeenOnTheOther()
    {
        var project = "p-" + Guid.NewGuid().ToString("N")[..12];
        await WriteBehindTheirBacksAsync(project, "false");
        Assert.That(await a.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"));
        await WriteBehindTheirBacksAsync(project, "true");
        Assert.That(await a.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"), "served from memory");

        await b.Settings.SetAsync(project, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);

        await EventuallyAsync(async () => await a.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None) == "true");
    }

    [Test]
    public async Task AnInvalidationPublishedOnAnyNode_ReachesBothInstances()
    {
        foreach (var port in cluster.Ports)
        {
            var project = "p-" + Guid.NewGuid().ToString("N")[..12];
            await WriteBehindTheirBacksAsync(project, "false");
            Assert.That(await a.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"));
            Assert.That(await b.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"));
            await WriteBehindTheirBacksAsync(project, "true");

            // A plain connection to this one node (not cluster-aware): PUBLISH is not routed anywhere else by the client.
            using (var node = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=false"))
            {
                var receivers = await node.GetServer("127.0.0.1", port).ExecuteAsync("PUBLISH", RedisKeys.CacheInvalidationChannel, "settings:" + project);
                Assert.That((long)receivers, Is.GreaterThanOrEqualTo(0));
            }

            await EventuallyAsync(async () => await a.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None) == "true");
            await EventuallyAsync(async () => await b.Settings.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None) == "true");
        }
    }

    private async Task WriteBehindTheirBacksAsync(string project, string value)
    {
        using var raw = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        await raw.GetDatabase().HashSetAsync(RedisKeys.Settings(project), "WEARABLE_STRAVA_ENABLED", value);
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition) => CachedInstance.EventuallyAsync(condition, Delivery);
}
