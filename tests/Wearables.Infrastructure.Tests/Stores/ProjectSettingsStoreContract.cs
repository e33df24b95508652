using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Settings;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IProjectSettingsStore"/> adapter must do.</summary>
public abstract class ProjectSettingsStoreContract
{
    protected IProjectSettingsStore Store { get; set; } = null!;

    [Test]
    public async Task Get_OfUnsetKey_ReturnsNull()
    {
        Assert.That(await Store.GetAsync(Ids.Project(), "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task GetAll_OfNewProject_IsEmpty()
    {
        Assert.That(await Store.GetAllAsync(Ids.Project(), CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task Set_ThenGet_ReturnsTheValue()
    {
        var project = Ids.Project();

        await Store.SetAsync(project, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);

        Assert.That(await Store.GetAsync(project, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("true"));
    }

    [Test]
    public async Task Set_Twice_ReplacesTheValue()
    {
        var project = Ids.Project();
        await Store.SetAsync(project, "WEARABLE_REDIRECT_ORIGINS", "https://a.example", CancellationToken.None);

        await Store.SetAsync(project, "WEARABLE_REDIRECT_ORIGINS", "", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync(project, "WEARABLE_REDIRECT_ORIGINS", CancellationToken.None), Is.EqualTo(string.Empty));
            Assert.That(await Store.GetAllAsync(project, CancellationToken.None), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task GetAll_ReturnsEveryKeyOfTheProject()
    {
        var project = Ids.Project();
        await Store.SetAsync(project, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
        await Store.SetAsync(project, "WEARABLE_POLAR_ENABLED", "false", CancellationToken.None);
        await Store.SetAsync(project, "WEARABLE_REDIRECT_ORIGINS", "https://a.example,https://b.example", CancellationToken.None);

        var all = await Store.GetAllAsync(project, CancellationToken.None);

        Assert.That(all, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["WEARABLE_STRAVA_ENABLED"] = "true",
            ["WEARABLE_POLAR_ENABLED"] = "false",
            ["WEARABLE_REDIRECT_ORIGINS"] = "https://a.example,https://b.example",
        }));
    }

    [Test]
    public async Task ProjectsAreIsolated()
    {
        var a = Ids.Project();
        var b = Ids.Project();
        await Store.SetAsync(a, "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);
        await Store.SetAsync(b, "WEARABLE_STRAVA_ENABLED", "false", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.GetAsync(a, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("true"));
            Assert.That(await Store.GetAsync(b, "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.EqualTo("false"));
            Assert.That((await Store.GetAllAsync(a, CancellationToken.None)).Keys, Is.EqualTo(new[] { "WEARABLE_STRAVA_ENABLED" }));
            Assert.That(await Store.GetAllAsync(Ids.Project(), CancellationToken.None), Is.Empty);
        }
    }
}

[TestFixture]
public sealed class SqliteProjectSettingsStoreTests : ProjectSettingsStoreContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqliteProjectSettingsStore(backend.Database, new FakeTimeProvider());
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();
}

[TestFixture]
public sealed class RedisProjectSettingsStoreTests : ProjectSettingsStoreContract
{
    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectAsync();
        Store = new RedisProjectSettingsStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStore() => redis.Dispose();
}
