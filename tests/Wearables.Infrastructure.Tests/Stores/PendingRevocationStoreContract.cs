using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IPendingRevocationStore"/> adapter must do: one per connection, claimed once while its lease lasts.</summary>
public abstract class PendingRevocationStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<Guid> created = [];

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IPendingRevocationStore Store { get; set; } = null!;

    [TearDown]
    public async Task RemoveWhatTheTestMadeAsync()
    {
        foreach (var id in created)
        {
            await Store.RemoveAsync(id, CancellationToken.None);
        }

        created.Clear();
    }

    [Test]
    public async Task Save_ThenFind_AnswersIt_AndSavingAgainReplacesIt()
    {
        var revocation = New(due: T0.AddMinutes(1));
        await Store.SaveAsync(revocation, CancellationToken.None);
        Assert.That(await Store.FindAsync(revocation.ConnectionId, CancellationToken.None), Is.EqualTo(revocation));

        var retried = revocation with { Attempts = 3, DueAt = T0.AddMinutes(8) };
        await Store.SaveAsync(retried, CancellationToken.None);

        Assert.That(await Store.FindAsync(revocation.ConnectionId, CancellationToken.None), Is.EqualTo(retried));
    }

    [Test]
    public async Task ClaimDue_TakesOnlyWhatIsDue_AndHoldsItUntilTheLeaseEnds()
    {
        var due = New(due: T0.AddMinutes(1));
        var later = New(due: T0.AddMinutes(10));
        await Store.SaveAsync(due, CancellationToken.None);
        await Store.SaveAsync(later, CancellationToken.None);
        var now = T0.AddMinutes(2);

        var claimed = await Store.ClaimDueAsync(now, now.AddMinutes(2), 10, CancellationToken.None);
        var again = await Store.ClaimDueAsync(now, now.AddMinutes(2), 10, CancellationToken.None);
        var afterLease = await Store.ClaimDueAsync(now.AddMinutes(3), now.AddMinutes(5), 10, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(claimed, Is.EqualTo(new[] { due with { DueAt = now.AddMinutes(2) } }));
            Assert.That(again, Is.Empty, "held by the first claim");
            Assert.That(afterLease.Select(r => r.ConnectionId), Is.EqualTo(new[] { due.ConnectionId }), "due again when the lease ends (the claimer died)");
        }
    }

    [Test]
    public async Task ClaimDue_TakesAtMostMax_OldestFirst()
    {
        var revocations = Enumerable.Range(1, 3).Select(i => New(due: T0.AddSeconds(i))).ToList();
        foreach (var revocation in revocations.AsEnumerable().Reverse())
        {
            await Store.SaveAsync(revocation, CancellationToken.None);
        }

        var claimed = await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(3), 2, CancellationToken.None);

        Assert.That(claimed.Select(r => r.ConnectionId), Is.EquivalentTo(revocations.Take(2).Select(r => r.ConnectionId)));
    }

    [Test]
    public async Task ClaimDue_Concurrently_NeverHandsOneRevocationToTwoClaimers()
    {
        var revocations = Enumerable.Range(0, 20).Select(_ => New(due: T0)).ToList();
        foreach (var revocation in revocations)
        {
            await Store.SaveAsync(revocation, CancellationToken.None);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ClaimDueAsync(T0.AddSeconds(1), T0.AddMinutes(2), 5, CancellationToken.None)));

        var ids = claims.SelectMany(c => c).Select(r => r.ConnectionId).ToList();
        Assert.That(ids, Is.Unique);
        Assert.That(ids, Is.EquivalentTo(revocations.Select(r => r.ConnectionId)));
    }

    [Test]
    public async Task ClaimDue_PastItsExpiry_StillHandsItOut_ForTheDrainToDrop()
    {
        var revocation = New(due: T0.AddMinutes(30));
        await Store.SaveAsync(revocation, CancellationToken.None);

        var claimed = await Store.ClaimDueAsync(T0.AddHours(25), T0.AddHours(25).AddMinutes(2), 10, CancellationToken.None);

        Assert.That(claimed.Select(r => r.ConnectionId), Is.EqualTo(new[] { revocation.ConnectionId }));
    }

    [Test]
    public async Task Remove_ForgetsIt()
    {
        var revocation = New(due: T0);
        await Store.SaveAsync(revocation, CancellationToken.None);

        await Store.RemoveAsync(revocation.ConnectionId, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.FindAsync(revocation.ConnectionId, CancellationToken.None), Is.Null);
            Assert.That(await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(3), 10, CancellationToken.None), Is.Empty);
        }
    }

    [Test]
    public async Task List_AnswersEveryRevocationKept()
    {
        var first = New(due: T0.AddMinutes(1));
        var second = New(due: T0.AddMinutes(5));
        await Store.SaveAsync(first, CancellationToken.None);
        await Store.SaveAsync(second, CancellationToken.None);

        var listed = await Store.ListAsync(CancellationToken.None);

        Assert.That(listed, Is.SupersetOf(new[] { first, second }));
    }

    [Test]
    public async Task ReplaceIfUnchanged_ReplacesOnlyWhatWasRead()
    {
        var read = New(due: T0.AddMinutes(1));
        await Store.SaveAsync(read, CancellationToken.None);
        var resealed = read with { AccessTokenEnvelope = "wv1.k2.sealed-access" };

        var replaced = await Store.ReplaceIfUnchangedAsync(read, resealed, CancellationToken.None);
        var stale = await Store.ReplaceIfUnchangedAsync(read, read with { AccessTokenEnvelope = "wv1.k2.other" }, CancellationToken.None);
        var drained = resealed with { Attempts = 2 };
        await Store.SaveAsync(drained, CancellationToken.None);
        var afterDrain = await Store.ReplaceIfUnchangedAsync(resealed, resealed with { AccessTokenEnvelope = "wv1.k3.late" }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(replaced, Is.True);
            Assert.That(stale, Is.False, "what was read is no longer there");
            Assert.That(afterDrain, Is.False, "a drain's update since the read wins");
            Assert.That(await Store.FindAsync(read.ConnectionId, CancellationToken.None), Is.EqualTo(drained));
        }
    }

    protected PendingRevocation New(DateTimeOffset due)
    {
        var id = Guid.NewGuid();
        created.Add(id);
        return new PendingRevocation(id, Ids.Project(), "patient-1", "strava", "athlete-1", "wv1.k1.sealed-access", "wv1.k1.sealed-refresh",
            T0.AddHours(6), T0, due, T0.AddHours(24), Attempts: 1);
    }
}

[TestFixture]
public sealed class SqlitePendingRevocationStoreTests : PendingRevocationStoreContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqlitePendingRevocationStore(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();
}

[TestFixture]
public sealed class RedisPendingRevocationStoreTests : PendingRevocationStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectToEmptyDatabaseAsync();
        Store = new RedisPendingRevocationStore(redis, Time);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();

    [Test]
    public async Task Save_KeepsTheKeyOnlyUntilTheRevocationExpires_AndRemoveLeavesNothingBehind()
    {
        var revocation = New(due: T0.AddMinutes(1));
        await Store.SaveAsync(revocation, CancellationToken.None);
        var db = (await redis.MultiplexerAsync(CancellationToken.None)).GetDatabase();
        var key = RedisKeys.PendingRevocation(revocation.ConnectionId);

        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.That(ttl, Is.Not.Null.And.InRange(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(24)), "expires with the revocation (24 h after the disconnect)");

        await Store.RemoveAsync(revocation.ConnectionId, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.KeyExistsAsync(key), Is.False);
            Assert.That(await db.SortedSetScoreAsync(RedisKeys.RevocationsDue, revocation.ConnectionId.ToString("D")), Is.Null);
        }
    }

    [Test]
    public async Task ClaimDue_OfAKeyRedisExpired_DropsItsIdFromTheSchedule()
    {
        var revocation = New(due: T0);
        await Store.SaveAsync(revocation, CancellationToken.None);
        var db = (await redis.MultiplexerAsync(CancellationToken.None)).GetDatabase();
        await db.KeyDeleteAsync(RedisKeys.PendingRevocation(revocation.ConnectionId), CommandFlags.None);

        var claimed = await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddMinutes(3), 10, CancellationToken.None);

        Assert.That(claimed, Is.Empty);
        Assert.That(await db.SortedSetScoreAsync(RedisKeys.RevocationsDue, revocation.ConnectionId.ToString("D")), Is.Null);
    }
}
