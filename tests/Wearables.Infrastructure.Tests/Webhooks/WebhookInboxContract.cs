using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;
using Wearables.Infrastructure.Tests.Stores;
using Wearables.Infrastructure.Webhooks;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Webhooks;

/// <summary>What every <see cref="IWebhookInbox"/> adapter must do: a delivery key queues once, a claim holds until its lease ends, completion removes.</summary>
public abstract class WebhookInboxContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    protected IWebhookInbox Inbox { get; set; } = null!;

    protected static InboxDelivery New(DateTimeOffset receivedAt, string provider = "strava") =>
        new(Guid.NewGuid(), Ids.Project(), provider, [new WebhookEvent("134815", WebhookEventKind.Deauthorized, receivedAt.AddSeconds(-1))], receivedAt);

    protected static string Key() => Guid.NewGuid().ToString("N");

    [Test]
    public async Task Accept_QueuesADeliveryOnce_ARepeatOfItsKeyIsRefused()
    {
        var key = Key();
        var first = New(T0);
        var repeat = New(T0.AddMinutes(5));

        var queued = await Inbox.AcceptAsync(first, key, CancellationToken.None);
        var again = await Inbox.AcceptAsync(repeat, key, CancellationToken.None);
        var claimed = await ClaimAllAsync(T0.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((queued, again), Is.EqualTo((true, false)));
            Assert.That(claimed.Select(d => d.Id), Does.Contain(first.Id).And.Not.Contain(repeat.Id));
            Assert.That(claimed.Single(d => d.Id == first.Id), Is.EqualTo(first).Using<InboxDelivery>(SameDelivery), "what was queued comes back");
        }
    }

    [Test]
    public async Task Claim_HoldsADeliveryUntilItsLeaseEnds_AndCompleteRemovesIt()
    {
        var delivery = New(T0);
        await Inbox.AcceptAsync(delivery, Key(), CancellationToken.None);
        var now = T0.AddSeconds(1);

        var claimed = await Inbox.ClaimAsync(now, now.AddMinutes(1), 50, CancellationToken.None);
        var held = await Inbox.ClaimAsync(now.AddSeconds(30), now.AddMinutes(2), 50, CancellationToken.None);
        var afterLease = await Inbox.ClaimAsync(now.AddMinutes(2), now.AddMinutes(3), 50, CancellationToken.None);
        await Inbox.CompleteAsync([delivery], CancellationToken.None);
        var afterComplete = await Inbox.ClaimAsync(now.AddMinutes(10), now.AddMinutes(11), 50, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(claimed.Select(d => d.Id), Does.Contain(delivery.Id));
            Assert.That(held.Select(d => d.Id), Does.Not.Contain(delivery.Id), "held by the first claim");
            Assert.That(afterLease.Select(d => d.Id), Does.Contain(delivery.Id), "due again when the lease ends (the claimer stopped)");
            Assert.That(afterComplete.Select(d => d.Id), Does.Not.Contain(delivery.Id));
        }
    }

    [Test]
    public async Task Claim_TakesAtMostMax_OldestFirst()
    {
        var deliveries = Enumerable.Range(1, 3).Select(i => New(T0.AddDays(30).AddSeconds(i))).ToList();
        foreach (var delivery in deliveries.AsEnumerable().Reverse())
        {
            await Inbox.AcceptAsync(delivery, Key(), CancellationToken.None);
        }

        // Earlier tests' leftovers are due long before these: drain them first.
        await ClaimAllAsync(T0.AddDays(29));
        var claimed = await Inbox.ClaimAsync(T0.AddDays(31), T0.AddDays(32), 2, CancellationToken.None);

        Assert.That(claimed.Select(d => d.Id), Is.EqualTo(deliveries.Take(2).Select(d => d.Id)));
    }

    private async Task<List<InboxDelivery>> ClaimAllAsync(DateTimeOffset now)
    {
        var all = new List<InboxDelivery>();
        for (var batch = await Inbox.ClaimAsync(now, now.AddYears(1), 500, CancellationToken.None); batch.Count > 0; batch = await Inbox.ClaimAsync(now, now.AddYears(1), 500, CancellationToken.None))
        {
            all.AddRange(batch);
        }

        return all;
    }

    private static bool SameDelivery(InboxDelivery a, InboxDelivery b) =>
        a.Id == b.Id && a.ProjectId == b.ProjectId && a.Provider == b.Provider && a.ReceivedAt == b.ReceivedAt && a.Events.SequenceEqual(b.Events);
}

[TestFixture]
public sealed class SqliteWebhookInboxTests : WebhookInboxContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Inbox = new SqliteWebhookInbox(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();

    [Test]
    public async Task ADeliveryNeverApplied_IsClaimedByTheNextProcessOverTheSameFile()
    {
        var delivery = New(T0.AddDays(100));
        await Inbox.AcceptAsync(delivery, Key(), CancellationToken.None);

        // The process stops before its worker ran; the next one opens the file.
        using var restarted = new SqliteDatabase(backend.FilePath);
        var claimed = await new SqliteWebhookInbox(restarted).ClaimAsync(T0.AddDays(100).AddSeconds(1), T0.AddDays(100).AddMinutes(1), 500, CancellationToken.None);

        Assert.That(claimed.Select(d => d.Id), Does.Contain(delivery.Id));
    }

    [Test]
    public async Task AKey_IsForgottenAfterTheWindow()
    {
        var key = Key();
        await Inbox.AcceptAsync(New(T0.AddDays(200)), key, CancellationToken.None);

        var within = await Inbox.AcceptAsync(New(T0.AddDays(200) + IWebhookInbox.Window - TimeSpan.FromSeconds(1)), key, CancellationToken.None);
        var after = await Inbox.AcceptAsync(New(T0.AddDays(200) + IWebhookInbox.Window + TimeSpan.FromSeconds(1)), key, CancellationToken.None);

        Assert.That((within, after), Is.EqualTo((false, true)));
    }
}

[TestFixture]
public sealed class RedisWebhookInboxTests : WebhookInboxContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectToEmptyDatabaseAsync();
        Inbox = new RedisWebhookInbox(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();

    [Test]
    public async Task AKey_ExpiresWithTheWindow_AndADeliveryKeyIsBoundedToo()
    {
        var key = Key();
        var delivery = New(T0);
        await Inbox.AcceptAsync(delivery, key, CancellationToken.None);
        var db = (await redis.MultiplexerAsync(CancellationToken.None)).GetDatabase();

        var seen = await db.KeyTimeToLiveAsync("wearables:{webhook}:seen:" + key);
        var entry = await db.KeyTimeToLiveAsync("wearables:{webhook}:inbox:delivery:" + delivery.Id.ToString("D"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.Not.Null.And.InRange(IWebhookInbox.Window - TimeSpan.FromMinutes(1), IWebhookInbox.Window));
            Assert.That(entry, Is.Not.Null.And.GreaterThan(IWebhookInbox.Window));
        }
    }
}

/// <summary>The same contract on a 3-primary Redis Cluster: accepting and claiming touch several keys, all under one hash tag.</summary>
[TestFixture]
public sealed class RedisClusterWebhookInboxTests : WebhookInboxContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        var cluster = await RedisCluster.SharedAsync();
        await cluster.FlushAsync();
        redis = new RedisConnection(cluster.ConnectionString);
        Inbox = new RedisWebhookInbox(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
