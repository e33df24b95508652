using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>
/// The parked-grant stores keep a grant (its sealed envelopes only) whole, and claim it like any retry
/// job (the claim rules are those of <see cref="PendingRevocationStoreContract"/>: one implementation).
/// </summary>
public abstract class ParkedGrantStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IParkedGrantStore Store { get; set; } = null!;

    [Test]
    public async Task Save_Find_List_Claim_Remove_KeepTheGrantWhole()
    {
        var id = Guid.NewGuid();
        var grant = new OAuthGrant("wv1.k1.sealed-access", "wv1.k1.sealed-refresh", T0.AddHours(6), "read", "athlete-1", "Ann");
        var parked = new ParkedGrant(id, Ids.Project(), "patient-1", "strava", "https://www.strava.com/api/v3", grant, T0, T0.AddSeconds(10), T0.AddHours(24), 0);

        await Store.SaveAsync(parked, CancellationToken.None);
        var found = await Store.FindAsync(id, CancellationToken.None);
        var listed = await Store.ListAsync(CancellationToken.None);
        var claimed = await Store.ClaimDueAsync(T0.AddSeconds(11), T0.AddMinutes(2), 10, CancellationToken.None);
        await Store.RemoveAsync(id, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(found, Is.EqualTo(parked));
            Assert.That(listed, Does.Contain(parked));
            Assert.That(claimed, Is.EqualTo(new[] { parked with { DueAt = T0.AddMinutes(2) } }));
            Assert.That(await Store.FindAsync(id, CancellationToken.None), Is.Null);
        }
    }
}

[TestFixture]
public sealed class SqliteParkedGrantStoreTests : ParkedGrantStoreContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqliteParkedGrantStore(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();
}

[TestFixture]
public sealed class RedisParkedGrantStoreTests : ParkedGrantStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectToEmptyDatabaseAsync();
        Store = new RedisParkedGrantStore(redis, Time);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
