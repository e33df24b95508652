using Microsoft.Extensions.Time.Testing;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Application.Credentials;
using Wearables.Domain.Security;
using Wearables.Infrastructure.Redis;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Redis;

/// <summary>
/// Redis down is a 503 (<see cref="DependencyUnavailableException"/>), promptly: never a hang, never
/// a raw client exception. The 30 s guard only turns a hang into a failure; it is not a timing claim.
/// </summary>
public sealed class RedisUnavailableTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private RedisConnection redis = null!;

    [OneTimeSetUp]
    public void ConnectToNothing() => redis = new RedisConnection($"127.0.0.1:{FreePort.Next()}");

    [OneTimeTearDown]
    public void Close() => redis.Dispose();

    [Test]
    public async Task IsHealthy_IsFalse()
    {
        Assert.That(await redis.IsHealthyAsync(CancellationToken.None).WaitAsync(HangGuard), Is.False);
    }

    [Test]
    public async Task SecretStore_Calls_ThrowDependencyUnavailable()
    {
        var store = new RedisProjectSecretStore(redis);

        await AssertUnavailableAsync(() => store.GetAsync("p", "strava", CancellationToken.None));
        await AssertUnavailableAsync(() => store.SetAsync("p", "strava", new StoredCredentials("a", "b", null, T0), CancellationToken.None));
        await AssertUnavailableAsync(() => store.DeleteAsync("p", "strava", CancellationToken.None));
    }

    [Test]
    public async Task SettingsStore_Calls_ThrowDependencyUnavailable()
    {
        var store = new RedisProjectSettingsStore(redis);

        await AssertUnavailableAsync(() => store.GetAllAsync("p", CancellationToken.None));
        await AssertUnavailableAsync(() => store.GetAsync("p", "WEARABLE_STRAVA_ENABLED", CancellationToken.None));
        await AssertUnavailableAsync(() => store.SetAsync("p", "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None));
    }

    [Test]
    public async Task ApiKeyStore_Calls_ThrowDependencyUnavailable()
    {
        var store = new RedisApiKeyStore(redis);
        var key = new ApiKey("wk_abcdefgh", "p", Role.Admin, null, "n", new string('a', 64), T0);

        await AssertUnavailableAsync(() => store.FindByHashAsync(key.Hash, CancellationToken.None));
        await AssertUnavailableAsync(() => store.AddAsync(key, CancellationToken.None));
        await AssertUnavailableAsync(() => store.AddIfEmptyAsync(key, CancellationToken.None));
        await AssertUnavailableAsync(() => store.ListAsync("p", CancellationToken.None));
        await AssertUnavailableAsync(() => store.RevokeAsync("p", key.Id, T0, CancellationToken.None));
    }

    [Test]
    public async Task OAuthStateStore_Calls_ThrowDependencyUnavailable()
    {
        var store = new RedisOAuthStateStore(redis, new FakeTimeProvider(T0));
        var pending = new PendingAuthorization("p", "strava", "patient-1", null, "https://cb", null, T0);

        await AssertUnavailableAsync(() => store.SaveAsync("hash", pending, CancellationToken.None));
        await AssertUnavailableAsync(() => store.TakeAsync("hash", CancellationToken.None));
    }

    [Test]
    public async Task RefreshLock_Acquire_ThrowsDependencyUnavailable()
    {
        var locks = new RedisRefreshLock(redis, new Wearables.Application.Connections.Tokens.TokenRefreshOptions());

        await AssertUnavailableAsync(() => locks.TryAcquireAsync(Guid.NewGuid(), TimeSpan.Zero, CancellationToken.None));
        await AssertUnavailableAsync(() => locks.TryAcquireAsync(Guid.NewGuid(), TimeSpan.FromMilliseconds(200), CancellationToken.None));
    }

    [Test]
    public async Task ARedisThatHangs_Is503WithinTheBound_AndServesAgainOnceItAnswers()
    {
        await using var server = await RedisServer.StartNewAsync();
        using var connection = new RedisConnection(server.ConnectionString, TimeSpan.FromSeconds(1));
        var store = new RedisProjectSettingsStore(connection);
        await store.SetAsync("p", "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);

        // Connected, but answering nothing: every client's commands wait (Redis ≥ 6.2).
        Assert.That(await server.SendAsync("CLIENT PAUSE 5000 ALL"), Is.EqualTo("+OK"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await AssertUnavailableAsync(() => store.GetAllAsync("p", CancellationToken.None));
        var failedAfter = watch.Elapsed;

        // Bounded by the configured timeout (1 s) and the client's timeout check, not by Redis's 5 s pause.
        Assert.That(failedAfter, Is.LessThan(TimeSpan.FromSeconds(4)), $"failed after {failedAfter.TotalSeconds:0.0} s");

        // Once the pause ends (UNPAUSE would itself wait behind it), the same connection serves again.
        string? value = null;
        var deadline = DateTime.UtcNow + HangGuard;
        while (value is null && DateTime.UtcNow < deadline)
        {
            try
            {
                value = await store.GetAsync("p", "WEARABLE_STRAVA_ENABLED", CancellationToken.None);
            }
            catch (DependencyUnavailableException)
            {
                await Task.Delay(200);
            }
        }

        Assert.That(value, Is.EqualTo("true"));
    }

    [Test]
    public async Task AfterRedisComesBack_CallsSucceedAgain()
    {
        await using var server = await RedisServer.StartNewAsync();
        using var connection = new RedisConnection(server.ConnectionString);
        var store = new RedisProjectSettingsStore(connection);
        await store.SetAsync("p", "WEARABLE_STRAVA_ENABLED", "true", CancellationToken.None);

        await server.StopAsync();
        await AssertUnavailableAsync(() => store.GetAsync("p", "WEARABLE_STRAVA_ENABLED", CancellationToken.None));
        Assert.That(await connection.IsHealthyAsync(CancellationToken.None).WaitAsync(HangGuard), Is.False);

        await server.StartAsync();
        var healthy = false;
        var deadline = DateTime.UtcNow + HangGuard;
        while (!healthy && DateTime.UtcNow < deadline)
        {
            healthy = await connection.IsHealthyAsync(CancellationToken.None);
            if (!healthy)
            {
                await Task.Delay(100);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(healthy, Is.True, "the connection reconnects without a restart");
            // A fresh server has no data (no persistence), but the call itself works again.
            Assert.That(await store.GetAsync("p", "WEARABLE_STRAVA_ENABLED", CancellationToken.None), Is.Null);
        }
    }

    private static async Task AssertUnavailableAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(async () => await call().WaitAsync(HangGuard));

        Assert.That(ex.Error, Is.EqualTo("store_unavailable"));
    }
}
