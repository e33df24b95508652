using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 5: a refresh storm. Two service instances share one Redis and one FHIR engine; 50 backends
/// on each ask at once for the access token of a connection whose token has expired, and the
/// provider rotates strictly (the old refresh token dies at once, as at WHOOP). Exactly one refresh
/// call may reach the provider, every caller gets the same new token, and what is stored is the new pair.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class TokenRefreshDrill
{
    [Test]
    public async Task HundredCallersOnTwoInstances_OneRefreshUpstream_AllGetTheNewToken()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var stores = await SharedStores.StartAsync();
        var shared = stores.Options(fakes);
        await using var a = ServiceInstance.Start(shared);
        await using var b = ServiceInstance.Start(shared);
        using var adminA = a.Client(shared.BootstrapAdminKey);
        using var adminB = b.Client(shared.BootstrapAdminKey);
        await Http.ConfigureStravaAsync(adminA, fakes.Strava);

        // A connection whose access token expired an hour ago; the refresh answer takes a moment, so the callers really overlap.
        var patient = "pat-storm-" + Guid.NewGuid().ToString("N")[..8];
        fakes.Strava.InitialAccessTokenLifetime = TimeSpan.FromHours(-1);
        await Http.ConnectStravaAsync(adminB, fakes.Strava, patient);
        var oldRefresh = fakes.Strava.CurrentRefreshToken(fakes.Strava.AthleteId)!;
        var callsBefore = fakes.Strava.RefreshCalls;

        var started = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            (i % 2 == 0 ? adminA : adminB).SendAsync(HttpMethod.Post, $"/api/v1/users/{patient}/connections/strava/token", new { })));
        var elapsed = Stopwatch.GetElapsedTime(started);

        var newAccess = fakes.Strava.CurrentAccessToken(fakes.Strava.AthleteId);
        var newRefresh = fakes.Strava.CurrentRefreshToken(fakes.Strava.AthleteId);
        await using var scope = a.Services.CreateAsyncScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().FindAsync(shared.BootstrapProject, patient, "strava", CancellationToken.None))!;
        var storedRefresh = scope.ServiceProvider.GetRequiredService<ConnectionTokens>().OpenRefreshToken(stored);
        var tokens = answers.Where(r => r.Status == 200).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("access_token").GetString()).Distinct().ToList();
        progress.WriteLine($"[refresh storm] 100 callers on A and B → {answers.Count(r => r.Status == 200)} × 200 in {Durations.Ms(elapsed)}; refresh calls upstream {fakes.Strava.RefreshCalls - callsBefore}; distinct tokens {tokens.Count}");

        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(r => r.Status), Is.All.EqualTo(200), string.Join("; ", answers.Where(r => r.Status != 200).Take(3)));
            Assert.That(fakes.Strava.RefreshCalls - callsBefore, Is.EqualTo(1), "exactly one refresh call upstream");
            Assert.That(fakes.Strava.RefreshCallsFor(oldRefresh), Is.EqualTo(1));
            Assert.That(newAccess, Is.Not.Null);
            Assert.That(tokens, Is.EqualTo(new[] { newAccess }), "all 100 callers got the same new access token");
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(storedRefresh, Is.EqualTo(newRefresh).And.Not.EqualTo(oldRefresh), "the rotated refresh token is stored");
            Assert.That(a.Probe.Escaped.Concat(b.Probe.Escaped), Is.Empty);
        });
    }
}
