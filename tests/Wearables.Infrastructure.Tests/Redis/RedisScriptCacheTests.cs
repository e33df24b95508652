using System.Security.Cryptography;
using StackExchange.Redis;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Domain.Security;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Tests.Caching;
using Wearables.Infrastructure.Tests.Stores;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Redis;

/// <summary>
/// After a <c>SCRIPT FLUSH</c> Redis has forgotten scripts the client still believes loaded, so the client's
/// <c>EVALSHA</c> gets <c>NOSCRIPT</c>. Every store that runs a script must then get its answer all the same (the
/// client sends the script again), not hang or fail: once, a connect whose bound script went out in a batch never
/// completed. A restart is the other way Redis forgets them; the client forgets them too when it reconnects.
/// A Redis of its own, since a flush or restart would reach every test of the shared one.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisScriptCacheTests
{
    /// <summary>Far beyond a round trip and the client's own timeout (2 s): a call still open after it hangs.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private RedisServer? server;
    private RedisConnection redis = null!;
    private ConnectionMultiplexer? admin;

    [OneTimeSetUp]
    public async Task StartRedis()
    {
        server = await RedisServer.StartNewAsync();
        redis = new RedisConnection(server.ConnectionString);
        admin = await StoreDump.ConnectAsync(server.ConnectionString);
    }

    [OneTimeTearDown]
    public async Task StopRedis()
    {
        redis?.Dispose();
        if (admin is not null)
        {
            await admin.DisposeAsync();
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    private Task FlushScriptsAsync() => admin!.GetServer(admin.GetEndPoints()[0]).ScriptFlushAsync();

    /// <summary>
    /// After Redis was started again: waits until the store's client answers and opens the test's admin client anew,
    /// so the tests after it find Redis as every other test does.
    /// </summary>
    private async Task ReconnectAsync()
    {
        await admin!.DisposeAsync();
        admin = await StoreDump.ConnectAsync(server!.ConnectionString);
        await CachedInstance.EventuallyAsync(
            async () =>
            {
                await redis.RunAsync(db => db.StringGetAsync("reconnect-probe"), CancellationToken.None).WaitAsync(Bound);
                return true;
            },
            Bound);
    }

    [Test]
    public async Task OAuthStateSave_AfterRedisForgotItsScripts_IsSavedAndBounded()
    {
        var store = new RedisOAuthStateStore(redis, TimeProvider.System, new OAuthStateLimits(PendingFlowsPerPatient: 3, PendingStatesPerProject: 100));
        var project = Ids.Project();
        await store.SaveAsync(Hash(), Pending(project, "patient-a"), CancellationToken.None).WaitAsync(Bound);

        await FlushScriptsAsync();
        var afterFlush = Hash();
        await store.SaveAsync(afterFlush, Pending(project, "patient-b"), CancellationToken.None).WaitAsync(Bound);
        var third = Hash();
        await store.SaveAsync(third, Pending(project, "patient-c"), CancellationToken.None).WaitAsync(Bound);

        var raw = admin!.GetDatabase();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await raw.SortedSetScoreAsync(RedisKeys.OAuthProjectStates(project), afterFlush), Is.Not.Null, "the bound script ran for the save after the flush");
            Assert.That(await raw.SortedSetLengthAsync(RedisKeys.OAuthProjectStates(project)), Is.EqualTo(3));
            Assert.That((await store.TakeAsync(afterFlush, CancellationToken.None))?.PatientId, Is.EqualTo("patient-b"));
            Assert.That((await store.TakeAsync(third, CancellationToken.None))?.PatientId, Is.EqualTo("patient-c"));
        }
    }

    [Test]
    public async Task OAuthStateSaves_FiftyAtOnce_AfterRedisForgotItsScripts_AllComplete()
    {
        var store = new RedisOAuthStateStore(redis, TimeProvider.System, new OAuthStateLimits(PendingFlowsPerPatient: 3, PendingStatesPerProject: 1_000));
        var project = Ids.Project();
        await store.SaveAsync(Hash(), Pending(project, "warm"), CancellationToken.None).WaitAsync(Bound);

        await FlushScriptsAsync();
        var hashes = Enumerable.Range(0, 50).Select(_ => Hash()).ToArray();
        await Task.WhenAll(hashes.Select((h, i) => store.SaveAsync(h, Pending(project, "patient-" + i), CancellationToken.None))).WaitAsync(Bound);

        Assert.That(await admin!.GetDatabase().SortedSetLengthAsync(RedisKeys.OAuthProjectStates(project)), Is.EqualTo(51));
    }

    [Test]
    public async Task OAuthStateSave_AfterARedisRestart_IsSavedOnceRedisIsBack()
    {
        var store = new RedisOAuthStateStore(redis, TimeProvider.System, new OAuthStateLimits(PendingFlowsPerPatient: 3, PendingStatesPerProject: 100));
        var project = Ids.Project();
        await store.SaveAsync(Hash(), Pending(project, "before"), CancellationToken.None).WaitAsync(Bound);

        await server!.StopAsync();
        await server.StartAsync();
        var saved = await SaveOnceReconnectedAsync(store, project);
        await ReconnectAsync();

        Assert.That((await store.TakeAsync(saved, CancellationToken.None))?.PatientId, Is.EqualTo("after"));
    }

    /// <summary>Saves until the client has reconnected (a 503 before): each attempt must answer within the bound.</summary>
    private static async Task<string> SaveOnceReconnectedAsync(RedisOAuthStateStore store, string project)
    {
        string? saved = null;
        await CachedInstance.EventuallyAsync(
            async () =>
            {
                var hash = Hash();
                await store.SaveAsync(hash, Pending(project, "after"), CancellationToken.None).WaitAsync(Bound);
                saved = hash;
                return true;
            },
            Bound);
        return saved!;
    }

    [Test]
    public async Task RefreshLockRelease_AfterRedisForgotItsScripts_FreesTheLockAtOnce()
    {
        var locks = new RedisRefreshLock(redis, new Wearables.Application.Connections.Tokens.TokenRefreshOptions { LockLifetime = TimeSpan.FromSeconds(30) });
        var connection = Guid.NewGuid();
        var warm = await locks.TryAcquireAsync(Guid.NewGuid(), TimeSpan.Zero, CancellationToken.None).WaitAsync(Bound);
        await warm!.DisposeAsync().AsTask().WaitAsync(Bound);

        var held = await locks.TryAcquireAsync(connection, TimeSpan.Zero, CancellationToken.None).WaitAsync(Bound);
        await FlushScriptsAsync();
        await held!.DisposeAsync().AsTask().WaitAsync(Bound);
        var again = await locks.TryAcquireAsync(connection, TimeSpan.Zero, CancellationToken.None).WaitAsync(Bound);

        Assert.That(again, Is.Not.Null, "released by its owner's script, not left to its 30 s lifetime");
        await again!.DisposeAsync();
    }

    [Test]
    public async Task RefreshLockRelease_WhileRedisIsDown_IsNoError_AndTheLockIsFreeOnceItsLifetimeEnds()
    {
        var locks = new RedisRefreshLock(redis, new Wearables.Application.Connections.Tokens.TokenRefreshOptions { LockLifetime = TimeSpan.FromSeconds(2) });
        var connection = Guid.NewGuid();
        var held = await locks.TryAcquireAsync(connection, TimeSpan.Zero, CancellationToken.None).WaitAsync(Bound);

        await server!.StopAsync();
        Assert.That(async () => await held!.DisposeAsync().AsTask().WaitAsync(Bound), Throws.Nothing, "the refresh is done; a lost release only waits for the lifetime");
        await server.StartAsync();
        await ReconnectAsync();

        Assert.That(await locks.TryAcquireAsync(connection, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Bound), Is.Not.Null);
    }

    [Test]
    public async Task WebhookInboxAccept_AfterRedisForgotItsScripts_AcceptsOnce()
    {
        var inbox = new Wearables.Infrastructure.Webhooks.RedisWebhookInbox(redis);
        await inbox.AcceptAsync(Delivery(), "delivery-" + Guid.NewGuid().ToString("N"), CancellationToken.None).WaitAsync(Bound);

        await FlushScriptsAsync();
        var key = "delivery-" + Guid.NewGuid().ToString("N");
        var first = await inbox.AcceptAsync(Delivery(), key, CancellationToken.None).WaitAsync(Bound);
        var again = await inbox.AcceptAsync(Delivery(), key, CancellationToken.None).WaitAsync(Bound);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(again, Is.False, "the same delivery is accepted once");
        }
    }

    private static Wearables.Application.Webhooks.InboxDelivery Delivery() =>
        new(Guid.NewGuid(), Ids.Project(), "polar", [], DateTimeOffset.UtcNow);

    [Test]
    public async Task ApiKeyAdd_AfterRedisForgotItsScripts_IsStored()
    {
        var store = new RedisApiKeyStore(redis);
        var project = Ids.Project();
        await store.AddAsync(Key(project), CancellationToken.None).WaitAsync(Bound);

        await FlushScriptsAsync();
        var key = Key(project);
        await store.AddAsync(key, CancellationToken.None).WaitAsync(Bound);

        Assert.That((await store.FindByHashAsync(key.Hash, CancellationToken.None))?.Id, Is.EqualTo(key.Id));
    }

    [Test]
    public async Task RetryJobSave_AfterRedisForgotItsScripts_IsStoredAndDue()
    {
        var store = new RedisPendingRevocationStore(redis, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        await store.SaveAsync(Revocation(now), CancellationToken.None).WaitAsync(Bound);
        await store.ClaimDueAsync(now.AddMinutes(1), now.AddMinutes(2), 10, CancellationToken.None).WaitAsync(Bound);

        await FlushScriptsAsync();
        var job = Revocation(now);
        await store.SaveAsync(job, CancellationToken.None).WaitAsync(Bound);
        var claimed = await store.ClaimDueAsync(now.AddMinutes(1), now.AddMinutes(2), 10, CancellationToken.None).WaitAsync(Bound);

        Assert.That(claimed.Select(j => j.ConnectionId), Does.Contain(job.ConnectionId));
    }

    private static string Hash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static PendingAuthorization Pending(string project, string patient) => new(
        project, "strava", patient, null, "https://api.example/v1/wearables/strava/callback", null, DateTimeOffset.UtcNow);

    private static PendingRevocation Revocation(DateTimeOffset now) => new(
        Guid.NewGuid(), Ids.Project(), "patient-1", "strava", "athlete-1", "wv1.k1.sealed-access", null, null, now, now, now.AddHours(24), 0);

    private static ApiKey Key(string project) => new(
        "key_" + RandomNumberGenerator.GetHexString(8, lowercase: true), project, Wearables.Domain.Security.Role.Service, null, "script cache", Hash(), DateTimeOffset.UtcNow);
}
