using Wearables.Application.Credentials;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IProjectSecretStore"/> adapter must do.</summary>
public abstract class ProjectSecretStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 10, 15, 30, 123, TimeSpan.Zero);

    protected IProjectSecretStore Store { get; set; } = null!;

    [Test]
    public async Task Get_WhenNothingStored_ReturnsNull()
    {
        Assert.That(await Store.GetAsync(Ids.Project(), "strava", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Set_ThenGet_ReturnsTheStoredEnvelopes()
    {
        var project = Ids.Project();
        var credentials = new StoredCredentials("wv1.k1.id", "wv1.k1.secret", "wv1.k1.hook", T0);

        await Store.SetAsync(project, "strava", credentials, CancellationToken.None);

        Assert.That(await Store.GetAsync(project, "strava", CancellationToken.None), Is.EqualTo(credentials));
    }

    [Test]
    public async Task Set_WithoutWebhookSecret_ReadsBackNull()
    {
        var project = Ids.Project();

        await Store.SetAsync(project, "polar", new StoredCredentials("wv1.k1.id", "wv1.k1.secret", null, T0), CancellationToken.None);

        var read = await Store.GetAsync(project, "polar", CancellationToken.None);
        Assert.That(read, Is.Not.Null);
        Assert.That(read!.WebhookSecretEnvelope, Is.Null);
    }

    [Test]
    public async Task Set_Twice_ReplacesEveryField_IncludingDroppingTheWebhookSecret()
    {
        var project = Ids.Project();
        await Store.SetAsync(project, "strava", new StoredCredentials("wv1.k1.old-id", "wv1.k1.old-secret", "wv1.k1.old-hook", T0), CancellationToken.None);
        var replacement = new StoredCredentials("wv1.k1.new-id", "wv1.k1.new-secret", null, T0.AddHours(1));

        await Store.SetAsync(project, "strava", replacement, CancellationToken.None);

        Assert.That(await Store.GetAsync(project, "strava", CancellationToken.None), Is.EqualTo(replacement));
    }

    [Test]
    public async Task Delete_RemovesTheCredentials_AndReportsWhetherSomethingWasThere()
    {
        var project = Ids.Project();
        await Store.SetAsync(project, "strava", new StoredCredentials("a", "b", null, T0), CancellationToken.None);

        var first = await Store.DeleteAsync(project, "strava", CancellationToken.None);
        var second = await Store.DeleteAsync(project, "strava", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(await Store.GetAsync(project, "strava", CancellationToken.None), Is.Null);
        }
    }

    [Test]
    public async Task ProjectsAreIsolated()
    {
        var a = Ids.Project();
        var b = Ids.Project();
        var credentials = new StoredCredentials("wv1.k1.a-id", "wv1.k1.a-secret", null, T0);
        await Store.SetAsync(a, "strava", credentials, CancellationToken.None);

        var seenByB = await Store.GetAsync(b, "strava", CancellationToken.None);
        var deletedByB = await Store.DeleteAsync(b, "strava", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seenByB, Is.Null);
            Assert.That(deletedByB, Is.False);
            Assert.That(await Store.GetAsync(a, "strava", CancellationToken.None), Is.EqualTo(credentials));
        }
    }

    [Test]
    public async Task ProvidersAreIsolated()
    {
        var project = Ids.Project();
        await Store.SetAsync(project, "strava", new StoredCredentials("s-id", "s-secret", null, T0), CancellationToken.None);
        await Store.SetAsync(project, "polar", new StoredCredentials("p-id", "p-secret", "p-hook", T0), CancellationToken.None);

        await Store.DeleteAsync(project, "strava", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync(project, "strava", CancellationToken.None), Is.Null);
            Assert.That((await Store.GetAsync(project, "polar", CancellationToken.None))?.ClientIdEnvelope, Is.EqualTo("p-id"));
        }
    }
}

[TestFixture]
public sealed class SqliteProjectSecretStoreTests : ProjectSecretStoreContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqliteProjectSecretStore(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();
}

[TestFixture]
public sealed class RedisProjectSecretStoreTests : ProjectSecretStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectAsync();
        Store = new RedisProjectSecretStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
