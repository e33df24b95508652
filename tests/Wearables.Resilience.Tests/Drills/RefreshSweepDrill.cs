using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 7: the background sweep, every second. Two instances on one Redis and one FHIR engine
/// (schedule: a Redis sorted set), and one Embedded instance (schedule: a SQLite table): a
/// connection whose token expires within Wearables:Tokens:RefreshAheadSeconds is refreshed without
/// any caller, once, by one instance; a connection with hours left is not.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class RefreshSweepDrill
{
    [TestCase(StorageMode.Redis)]
    [TestCase(StorageMode.Embedded)]
    public async Task ConnectionAboutToExpire_IsRefreshedByTheSweep_OnceOnOneInstance(StorageMode storage)
    {
        var twoInstances = storage == StorageMode.Redis;
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var stores = twoInstances ? await SharedStores.StartAsync() : null;
        var shared = (stores?.Options(fakes) ?? fakes.Options()) with
        {
            Settings = new Dictionary<string, string?>
            {
                ["Wearables:Tokens:SweepIntervalSeconds"] = "1",
                ["Wearables:Tokens:RefreshAheadSeconds"] = "900",
            },
        };
        await using var a = ServiceInstance.Start(shared);
        await using var b = twoInstances ? ServiceInstance.Start(shared) : null;
        using var admin = a.Client(shared.BootstrapAdminKey);
        await Http.ConfigureStravaAsync(admin, fakes.Strava);

        // One connection with 10 minutes left (within the 900 s window), one with 6 hours.
        var soon = await ConnectAsync(fakes, admin, "pat-sweep-soon-", 100_001, TimeSpan.FromMinutes(10));
        _ = await ConnectAsync(fakes, admin, "pat-sweep-later-", 100_002, TimeSpan.FromHours(6));
        var soonRefresh = fakes.Strava.CurrentRefreshToken(100_001)!;
        var laterRefresh = fakes.Strava.CurrentRefreshToken(100_002)!;

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (fakes.Strava.RefreshCallsFor(soonRefresh) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // A few more passes on both instances: nothing further may happen.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using var scope = a.Services.CreateAsyncScope();
        var repository = scope.ServiceProvider.GetRequiredService<IConnectionRepository>();
        var tokens = scope.ServiceProvider.GetRequiredService<ConnectionTokens>();
        var stored = (await repository.FindAsync(shared.BootstrapProject, soon, "strava", CancellationToken.None))!;
        var sweptOn = new[] { a, b }.OfType<ServiceInstance>().Count(i => i.Logs.Entries.Any(e => e.Message.StartsWith("Refreshed the strava tokens", StringComparison.Ordinal)));
        progress.WriteLine($"[sweep] refresh calls: soon {fakes.Strava.RefreshCallsFor(soonRefresh)}, later {fakes.Strava.RefreshCallsFor(laterRefresh)}; refreshed on {sweptOn} instance(s)");

        Assert.Multiple(() =>
        {
            Assert.That(fakes.Strava.RefreshCallsFor(soonRefresh), Is.EqualTo(1), "refreshed once, without any caller");
            Assert.That(fakes.Strava.RefreshCallsFor(laterRefresh), Is.Zero, "6 h left: not due");
            Assert.That(sweptOn, Is.EqualTo(1), "one instance did it");
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(stored.TokenExpiresAt, Is.GreaterThan(DateTimeOffset.UtcNow.AddHours(5)), "the new token is stored");
            Assert.That(tokens.OpenRefreshToken(stored), Is.EqualTo(fakes.Strava.CurrentRefreshToken(100_001)));
        });
    }

    private static async Task<string> ConnectAsync(ThirdParties fakes, HttpClient admin, string prefix, long athlete, TimeSpan lifetime)
    {
        var patient = prefix + Guid.NewGuid().ToString("N")[..8];
        fakes.Strava.AthleteId = athlete;
        fakes.Strava.InitialAccessTokenLifetime = lifetime;
        await Http.ConnectStravaAsync(admin, fakes.Strava, patient);
        return patient;
    }
}
