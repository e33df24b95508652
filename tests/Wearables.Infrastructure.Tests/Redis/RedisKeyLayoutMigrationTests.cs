using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Domain.Security;
using Role = Wearables.Domain.Security.Role;
using Wearables.Infrastructure.Redis;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Redis;

/// <summary>
/// A single-node store written under the untagged key names (as before Redis Cluster support) is moved
/// to the tagged names at start: its API keys still authenticate, are listed and can be revoked, the
/// store is not "empty" for the bootstrap, and a pending revocation keeps its due time and time to live.
/// </summary>
[NonParallelizable]
public sealed class RedisKeyLayoutMigrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);
    private RedisServer server = null!;
    private RedisConnection redis = null!;
    private ConnectionMultiplexer raw = null!;

    [SetUp]
    public async Task StartAsync()
    {
        server = await RedisServer.StartNewAsync();
        redis = new RedisConnection(server.ConnectionString);
        raw = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
    }

    [TearDown]
    public async Task StopAsync()
    {
        raw.Dispose();
        redis.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public void Stop_AfterTheContainerDisposedIt_DoesNotThrow()
    {
        // A host that failed to start disposes its services, and its factory stops the host afterwards.
        var migration = new RedisKeyLayoutMigration(redis, NullLogger<RedisKeyLayoutMigration>.Instance);
        migration.Dispose();

        Assert.That(() => migration.StopAsync(CancellationToken.None), Throws.Nothing);
    }

    [Test]
    public async Task LegacyApiKeysAndRevocations_AreMoved_AndWorkAsBefore()
    {
        var time = new FakeTimeProvider(T0);
        var keys = new RedisApiKeyStore(redis);
        var key = new ApiKey("wk_legacyaa", "proj-legacy", Role.Admin, null, "ops", new string('c', 64), T0);
        await keys.AddAsync(key, CancellationToken.None);
        var revocations = new RedisPendingRevocationStore(redis, time);
        var revocation = new PendingRevocation(Guid.NewGuid(), "proj-legacy", "p-1", "strava", "athlete-1", "wv1.k1.sealed-access", null,
            T0.AddHours(6), T0, T0.AddMinutes(5), T0.AddHours(24), Attempts: 0);
        await revocations.SaveAsync(revocation, CancellationToken.None);
        await WriteAsLegacyAsync(key, revocation.ConnectionId);
        Assert.That(await keys.FindByHashAsync(key.Hash, CancellationToken.None), Is.Null, "precondition: only the legacy names hold the data");

        var migration = new RedisKeyLayoutMigration(redis, NullLogger<RedisKeyLayoutMigration>.Instance);
        var moved = await migration.MigrateAsync(CancellationToken.None);
        var again = await migration.MigrateAsync(CancellationToken.None);

        var db = raw.GetDatabase();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved, Is.EqualTo((1, 1)));
            Assert.That(again, Is.EqualTo((0, 0)), "idempotent");
            Assert.That((await keys.FindByHashAsync(key.Hash, CancellationToken.None))?.Id, Is.EqualTo(key.Id));
            Assert.That((await keys.ListAsync("proj-legacy", CancellationToken.None)).Select(k => k.Id), Is.EqualTo(new[] { key.Id }));
            Assert.That(await keys.AddIfEmptyAsync(new ApiKey("wk_bootstra", "default", Role.Admin, null, "bootstrap", new string('d', 64), T0), CancellationToken.None), Is.False, "not empty: no second bootstrap key");
            Assert.That(await revocations.FindAsync(revocation.ConnectionId, CancellationToken.None), Is.EqualTo(revocation));
            Assert.That(await db.KeyTimeToLiveAsync(RedisKeys.PendingRevocation(revocation.ConnectionId)), Is.GreaterThan(TimeSpan.FromHours(23)), "keeps its time to live");
            Assert.That((await revocations.ClaimDueAsync(T0.AddMinutes(6), T0.AddMinutes(8), 10, CancellationToken.None)).Select(r => r.ConnectionId), Is.EqualTo(new[] { revocation.ConnectionId }), "keeps its due time");
            Assert.That(await raw.GetServer(raw.GetEndPoints()[0]).KeysAsync(pattern: "wearables:apikey*").CountAsync(), Is.Zero, "no legacy copy left to resurrect a revoked key");
            Assert.That(await db.KeyExistsAsync(RedisKeys.Legacy.RevocationsDue), Is.False);
        }

        Assert.That(await keys.RevokeAsync("proj-legacy", key.Id, T0.AddMinutes(1), CancellationToken.None), Is.True);
        Assert.That((await keys.FindByHashAsync(key.Hash, CancellationToken.None))!.IsActive, Is.False);
    }

    /// <summary>Moves what the current store wrote to the names an earlier version used (the values' format did not change).</summary>
    private async Task WriteAsLegacyAsync(ApiKey key, Guid connectionId)
    {
        var db = raw.GetDatabase();
        var value = await db.StringGetAsync(RedisKeys.ApiKeyByHash(key.Hash));
        await db.StringSetAsync("wearables:apikey:hash:" + key.Hash, value);
        await db.StringSetAsync(RedisKeys.Legacy.ApiKeyHashById(key.Id), key.Hash);
        await db.SetAddAsync(RedisKeys.Legacy.ProjectApiKeys(key.ProjectId), key.Id);
        await db.StringSetAsync(RedisKeys.Legacy.AnyApiKey, "1");
        await db.KeyDeleteAsync([RedisKeys.ApiKeyByHash(key.Hash), RedisKeys.ApiKeyHashById(key.Id), RedisKeys.ProjectApiKeys(key.ProjectId), RedisKeys.AnyApiKey]);

        var id = connectionId.ToString("D");
        var revocation = await db.StringGetWithExpiryAsync(RedisKeys.PendingRevocation(connectionId));
        var due = await db.SortedSetScoreAsync(RedisKeys.RevocationsDue, id);
        await db.StringSetAsync(RedisKeys.Legacy.PendingRevocation(id), revocation.Value, revocation.Expiry!.Value);
        await db.SortedSetAddAsync(RedisKeys.Legacy.RevocationsDue, id, due!.Value);
        await db.KeyDeleteAsync([RedisKeys.PendingRevocation(connectionId), RedisKeys.RevocationsDue]);
    }
}
