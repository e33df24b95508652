using StackExchange.Redis;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Exceptions;
using Role = Wearables.Domain.Security.Role;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Domain.Security;
using Wearables.Infrastructure.Caching;
using Wearables.Infrastructure.Redis;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Caching;

/// <summary>
/// Two instances (two connections, two caches) on one real redis-server of their own: a write on
/// one is seen by the other, a write behind both their backs is not (so the cache is really in
/// play), and while Redis is away nothing is served from memory. Waits are bounded by
/// <see cref="Delivery"/>, which only turns a lost message into a failure; it is not a timing claim.
/// </summary>
[NonParallelizable]
public sealed class RedisInvalidationFeedTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private RedisServer server = null!;
    private CachedInstance a = null!;
    private CachedInstance b = null!;

    [SetUp]
    public async Task StartTwoInstances()
    {
        server = await RedisServer.StartNewAsync();
        a = await CachedInstance.StartAsync(server.ConnectionString, Delivery);
        b = await CachedInstance.StartAsync(server.ConnectionString, Delivery);
    }

    [TearDown]
    public async Task Stop()
    {
        a.Dispose();
        b.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public async Task SettingsWrittenOnOneInstance_AreSeenOnTheOther()
    {
        // The first value is written behind their backs too: a write through b would send an invalidation
        // that may reach a just after a's read, and rightly drop what a read (the race the generation check is for).
        await WriteBehindTheirBacksAsync(db => db.HashSetAsync("wearables:project:p1:settings", "WEARABLE_STRAVA_ENABLED", "false"));
        Assert.That(await a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"));

        await WriteBehindTheirBacksAsync(db => db.HashSetAsync("wearables:project:p1:settings", "WEARABLE_STRAVA_ENABLED", "true"));
        Assert.That(await a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"), "served from memory");

        await b.Settings.SetAsync("p1", "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
        await EventuallyAsync(async () => await a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None) == "true");
    }

    [Test]
    public async Task AKeyRevokedOnOneInstance_IsRefusedOnTheOther()
    {
        var key = new ApiKey("wk_abcdefgh", "p1", Role.Admin, null, "ops", new string('a', 64), T0);
        await b.Keys.AddAsync(key, CancellationToken.None);
        Assert.That((await a.Keys.FindByHashAsync(key.Hash, CancellationToken.None))!.IsActive, Is.True);

        Assert.That(await b.Keys.RevokeAsync("p1", key.Id, T0.AddMinutes(1), CancellationToken.None), Is.True);

        await EventuallyAsync(async () => (await a.Keys.FindByHashAsync(key.Hash, CancellationToken.None))!.IsActive == false);
    }

    [Test]
    public async Task CredentialsDeletedOnOneInstance_AreGoneOnTheOther()
    {
        await b.Secrets.SetAsync("p1", "strava", new StoredCredentials("wv1.k1.id", "wv1.k1.secret", null, T0), CancellationToken.None);
        Assert.That(await a.Secrets.GetAsync("p1", "strava", CancellationToken.None), Is.Not.Null);

        await b.Secrets.DeleteAsync("p1", "strava", CancellationToken.None);

        await EventuallyAsync(async () => await a.Secrets.GetAsync("p1", "strava", CancellationToken.None) is null);
    }

    [Test]
    public async Task WhileRedisIsDown_NothingIsServedFromMemory_AndAfterwardsTheCacheStartsEmpty()
    {
        await b.Settings.SetAsync("p1", "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
        Assert.That(await a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("true"));

        await server.StopAsync();
        await EventuallyAsync(() => Task.FromResult(!a.Cache.IsLive));
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None));

        // Back, empty (no persistence): a write made while we were away would have been missed, so nothing old may survive.
        await server.StartAsync();
        await EventuallyAsync(() => Task.FromResult(a.Cache.IsLive));
        Assert.That(await a.Settings.GetAsync("p1", "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.Null);
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition) => CachedInstance.EventuallyAsync(condition, Delivery);

    private async Task WriteBehindTheirBacksAsync(Func<IDatabase, Task> write)
    {
        using var raw = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        await write(raw.GetDatabase());
    }
}
