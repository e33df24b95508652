using Wearables.Application.Connections.Tokens;
using Wearables.Infrastructure.InProcess;
using Wearables.Infrastructure.Redis;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Tokens;

/// <summary>Both refresh locks: one holder per connection, a bounded wait, release by the holder; the in-process one keeps nothing once idle.</summary>
[TestFixture("InProcess")]
[TestFixture("Redis")]
[TestFixture("RedisCluster")]
public sealed class RefreshLockTests(string kind)
{
    private RedisServer? server;
    private RedisConnection? redis;
    private IRefreshLock locks = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (kind == "Redis")
        {
            server = await RedisServer.StartNewAsync();
            redis = new RedisConnection(server.ConnectionString);
            locks = new RedisRefreshLock(redis, new TokenRefreshOptions { LockLifetime = TimeSpan.FromSeconds(5) });
        }
        else if (kind == "RedisCluster")
        {
            redis = new RedisConnection((await RedisCluster.SharedAsync()).ConnectionString);
            locks = new RedisRefreshLock(redis, new TokenRefreshOptions { LockLifetime = TimeSpan.FromSeconds(5) });
        }
        else
        {
            locks = new InProcessRefreshLock();
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        redis?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Test]
    public async Task SecondAcquire_WhileHeld_IsRefusedAfterTheWait_ThenSucceedsOnceReleased()
    {
        var id = Guid.NewGuid();
        var first = await locks.TryAcquireAsync(id, TimeSpan.Zero, CancellationToken.None);
        Assert.That(first, Is.Not.Null);

        var started = DateTime.UtcNow;
        var second = await locks.TryAcquireAsync(id, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.That(second, Is.Null, "held by the first");
        Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)), "it waited");

        var other = await locks.TryAcquireAsync(Guid.NewGuid(), TimeSpan.Zero, CancellationToken.None);
        Assert.That(other, Is.Not.Null, "another connection's lock is independent");
        await other!.DisposeAsync();

        var waiting = locks.TryAcquireAsync(id, TimeSpan.FromSeconds(5), CancellationToken.None);
        await first!.DisposeAsync();
        var third = await waiting;
        Assert.That(third, Is.Not.Null, "a waiter gets it once released");
        await third!.DisposeAsync();

        if (locks is InProcessRefreshLock inProcess)
        {
            Assert.That(inProcess.Count, Is.Zero, "no gate kept once nobody holds or waits");
        }
    }
}
