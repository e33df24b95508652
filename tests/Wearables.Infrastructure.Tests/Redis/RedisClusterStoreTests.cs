using StackExchange.Redis;
using Wearables.Application.ApiKeys;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Tests.Stores;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Redis;

/// <summary>
/// The Redis store contracts again, on a real three-primary Redis Cluster (<see cref="RedisCluster"/>):
/// a script or transaction whose keys were in different slots would fail here with CROSSSLOT, and a
/// script reaching a key it was not given would fail on the node that does not serve it.
/// </summary>
internal static class ClusterBackend
{
    public static async Task<RedisConnection> ConnectAsync()
    {
        var connection = new RedisConnection((await RedisCluster.SharedAsync()).ConnectionString);
        if (!await connection.IsHealthyAsync(CancellationToken.None))
        {
            connection.Dispose();
            throw new InvalidOperationException("The test Redis Cluster did not answer PING.");
        }

        return connection;
    }

    /// <summary>A cluster has one database: an empty store is the shared cluster, flushed (the fixtures run one at a time).</summary>
    public static async Task<RedisConnection> ConnectEmptyAsync()
    {
        await (await RedisCluster.SharedAsync()).FlushAsync();
        return await ConnectAsync();
    }
}

[TestFixture]
public sealed class RedisClusterOAuthStateStoreTests : OAuthStateStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await ClusterBackend.ConnectAsync();
        Store = new RedisOAuthStateStore(redis, Time, Limits);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();

    [Test]
    public async Task TheBoundsOfAProject_ShareOneSlot_WhileItsStatesSpreadOverTheCluster()
    {
        var db = (await redis.MultiplexerAsync(CancellationToken.None)).GetDatabase();
        var multiplexer = db.Multiplexer;
        var stateSlots = Enumerable.Range(0, 50).Select(i => multiplexer.HashSlot(RedisKeys.OAuthState("h" + i))).Distinct().Count();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(multiplexer.HashSlot(RedisKeys.OAuthFlows("proj-a", "strava", "p1")), Is.EqualTo(multiplexer.HashSlot(RedisKeys.OAuthProjectStates("proj-a"))));
            Assert.That(multiplexer.HashSlot(RedisKeys.OAuthFlows("proj-a", "polar", "p9")), Is.EqualTo(multiplexer.HashSlot(RedisKeys.OAuthProjectStates("proj-a"))));
            Assert.That(stateSlots, Is.GreaterThan(1), "states are not all pinned to one node");
        }
    }
}

[TestFixture]
public sealed class RedisClusterApiKeyStoreTests : ApiKeyStoreContract
{
    private readonly List<RedisConnection> connections = [];

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        var redis = await ClusterBackend.ConnectAsync();
        connections.Add(redis);
        Store = new RedisApiKeyStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStores() => connections.ForEach(c => c.Dispose());

    protected override async Task<IApiKeyStore> CreateEmptyStoreAsync()
    {
        var redis = await ClusterBackend.ConnectEmptyAsync();
        connections.Add(redis);
        return new RedisApiKeyStore(redis);
    }
}

[TestFixture]
public sealed class RedisClusterProjectSecretStoreTests : ProjectSecretStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await ClusterBackend.ConnectAsync();
        Store = new RedisProjectSecretStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}

[TestFixture]
public sealed class RedisClusterProjectSettingsStoreTests : ProjectSettingsStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await ClusterBackend.ConnectAsync();
        Store = new RedisProjectSettingsStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}

[TestFixture]
public sealed class RedisClusterPendingRevocationStoreTests : PendingRevocationStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await ClusterBackend.ConnectEmptyAsync();
        Store = new RedisPendingRevocationStore(redis, Time);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();

    [Test]
    public async Task ManyRevocations_AreClaimedInOneScript_WithoutCrossingSlots()
    {
        var saved = Enumerable.Range(0, 20).Select(_ => New(due: T0)).ToList();
        foreach (var revocation in saved)
        {
            await Store.SaveAsync(revocation, CancellationToken.None);
        }

        var claimed = await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(3), 100, CancellationToken.None);

        Assert.That(claimed.Select(c => c.ConnectionId), Is.SupersetOf(saved.Select(s => s.ConnectionId)));
        var again = await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(3), 100, CancellationToken.None);
        Assert.That(again.Select(c => c.ConnectionId).Intersect(saved.Select(s => s.ConnectionId)), Is.Empty, "claimed until the lease's end");
    }
}
