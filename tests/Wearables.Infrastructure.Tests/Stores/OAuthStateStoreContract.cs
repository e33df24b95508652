using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IOAuthStateStore"/> adapter must do: a state is taken at most once.</summary>
public abstract class OAuthStateStoreContract
{
    private static readonly TimeSpan Ttl = OAuthState.TimeToLive;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));

    protected IOAuthStateStore Store { get; set; } = null!;

    [Test]
    public async Task Save_ThenTake_ReturnsThePendingAuthorization()
    {
        var hash = NewStateHash();
        var pending = NewPending();

        await Store.SaveAsync(hash, pending, CancellationToken.None);

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.EqualTo(pending));
    }

    [Test]
    public async Task Take_OfUnknownState_ReturnsNull()
    {
        Assert.That(await Store.TakeAsync(NewStateHash(), CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Take_Twice_ReturnsNullTheSecondTime()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        var first = await Store.TakeAsync(hash, CancellationToken.None);
        var second = await Store.TakeAsync(hash, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.Not.Null);
            Assert.That(second, Is.Null);
        }
    }

    [Test]
    public async Task Take_OfOneState_LeavesOtherStatesAlone()
    {
        var a = NewStateHash();
        var b = NewStateHash();
        var pendingB = NewPending("patient-b");
        await Store.SaveAsync(a, NewPending("patient-a"), CancellationToken.None);
        await Store.SaveAsync(b, pendingB, CancellationToken.None);

        await Store.TakeAsync(a, CancellationToken.None);

        Assert.That(await Store.TakeAsync(b, CancellationToken.None), Is.EqualTo(pendingB));
    }

    [Test]
    public async Task Take_JustBeforeExpiry_ReturnsTheState()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        Time.Advance(Ttl - TimeSpan.FromSeconds(1));

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task Take_AfterTheTimeToLive_ReturnsNull()
    {
        var hash = NewStateHash();
        await Store.SaveAsync(hash, NewPending(), CancellationToken.None);

        Time.Advance(Ttl + TimeSpan.FromSeconds(1));

        Assert.That(await Store.TakeAsync(hash, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Take_ByFiftyConcurrentCallers_GivesTheStateToExactlyOne()
    {
        for (var round = 0; round < 5; round++)
        {
            var hash = NewStateHash();
            await Store.SaveAsync(hash, NewPending(), CancellationToken.None);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var takers = Enumerable.Range(0, 50)
                .Select(_ => Task.Run(async () =>
                {
                    await start.Task;
                    return await Store.TakeAsync(hash, CancellationToken.None);
                }))
                .ToArray();

            start.SetResult();
            var results = await Task.WhenAll(takers);

            Assert.That(results.Count(r => r is not null), Is.EqualTo(1), $"round {round}");
        }
    }

    private static string NewStateHash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private PendingAuthorization NewPending(string patientId = "patient-1")
    {
        var now = Time.GetUtcNow();
        return new PendingAuthorization(
            Ids.Project(), "strava", patientId, "https://my.dashboard/done", "https://api.example/v1/wearables/strava/callback",
            "wv1.k1.sealed-pkce-verifier-" + Guid.NewGuid().ToString("N"), now);
    }
}

[TestFixture]
public sealed class SqliteOAuthStateStoreTests : OAuthStateStoreContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqliteOAuthStateStore(backend.Database, Time);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();
}

[TestFixture]
public sealed class RedisOAuthStateStoreTests : OAuthStateStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectAsync();
        Store = new RedisOAuthStateStore(redis, Time);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
