using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wearables.Api.Hosting;
using Wearables.Application.Connections;
using Wearables.Fakes;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Graceful shutdown on real Kestrel: the host is stopped while a token request waits for a slow
/// refresh at the provider. The caller still gets the new token, the new pair is stored (a restarted
/// instance reads it without refreshing again), and a request that arrives during the drain is refused.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class GracefulShutdownDrill
{
    [Test]
    public async Task StopDuringASlowRefresh_TheCallerGetsItsToken_TheNewPairIsStored_NewRequestsAreRefused()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        var (service, options, http, patient) = await StartWithAnExpiredConnectionAsync(fakes, "pat-drain-");
        using var admin = http;
        var refreshesBefore = fakes.Strava.RefreshCalls;

        // The refresh takes 3 s at the provider; the host is told to stop one second into it.
        fakes.Strava.SlowDelay = TimeSpan.FromSeconds(3);
        fakes.Strava.RefreshFaults.Mode = FakeMode.Slow;
        var caller = http.SendAsync(HttpMethod.Post, $"/api/v1/users/{patient}/connections/strava/token", new { });
        await Task.Delay(TimeSpan.FromSeconds(1));
        var host = service.Services.GetRequiredService<IHost>();
        var stopping = host.StopAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        int late;
        try
        {
            using var fresh = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            late = (int)(await fresh.GetAsync("/health/live")).StatusCode;
        }
        catch (HttpRequestException)
        {
            late = 0; // Kestrel no longer accepts connections: refused as well.
        }

        var answer = await caller;
        await stopping;
        fakes.Strava.RefreshFaults.Mode = FakeMode.Normal;
        var newAccess = fakes.Strava.CurrentAccessToken(fakes.Strava.AthleteId);
        progress.WriteLine($"[shutdown] caller during the drain → {answer.Status}; a new request during the drain → {(late == 0 ? "connection refused" : late)}");

        // The same store, a new process: the pair the slow refresh brought is there.
        await using var restarted = ServiceInstance.Start(options with { KestrelPort = null, DataDirectory = service.DataDirectory });
        await using var scope = restarted.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().FindAsync(options.BootstrapProject, patient, "strava", CancellationToken.None);
        var storedAccess = scope.ServiceProvider.GetRequiredService<ConnectionTokens>().OpenAccessToken(stored!);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
            Assert.That(JsonDocument.Parse(answer.Body).RootElement.GetProperty("access_token").GetString(), Is.EqualTo(newAccess), "the caller got the refreshed token");
            Assert.That(fakes.Strava.RefreshCalls - refreshesBefore, Is.EqualTo(1));
            Assert.That(storedAccess, Is.EqualTo(newAccess), "the new pair was stored before the process stopped");
            Assert.That(late, Is.AnyOf(0, (int)HttpStatusCode.ServiceUnavailable), "a request that arrives during the drain is refused");
        });

        await service.DisposeAsync();
    }

    [Test]
    public async Task StopAfterTheCallerGaveUp_TheRefreshInProgressStillStoresTheNewPair()
    {
        await using var fakes = await ThirdParties.StartAsync();
        var (service, options, http, patient) = await StartWithAnExpiredConnectionAsync(fakes, "pat-gaveup-");
        using var admin = http;

        // A caller that gives up after one second of a three-second refresh (as the sweep does when the host stops):
        // the run goes on without it, and the host stops while it is still at the provider.
        fakes.Strava.SlowDelay = TimeSpan.FromSeconds(3);
        fakes.Strava.RefreshFaults.Mode = FakeMode.Slow;
        using (var impatient = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(1) })
        {
            impatient.DefaultRequestHeaders.Add("X-API-Key", options.BootstrapAdminKey);
            Assert.That(async () => await impatient.SendAsync(HttpMethod.Post, $"/api/v1/users/{patient}/connections/strava/token", new { }), Throws.InstanceOf<TaskCanceledException>());
        }

        // The host disposes its services once stopped: a run left behind could not store anything after that.
        await service.Services.GetRequiredService<IHost>().StopAsync();
        var newAccess = fakes.Strava.CurrentAccessToken(fakes.Strava.AthleteId);
        fakes.Strava.RefreshFaults.Mode = FakeMode.Normal;

        await using var restarted = ServiceInstance.Start(options with { KestrelPort = null, DataDirectory = service.DataDirectory });
        await using var scope = restarted.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().FindAsync(options.BootstrapProject, patient, "strava", CancellationToken.None);
        Assert.That(scope.ServiceProvider.GetRequiredService<ConnectionTokens>().OpenAccessToken(stored!), Is.EqualTo(newAccess).And.Not.Null,
            "the shutdown waited for the refresh in progress, which stored the pair the provider issued");

        await service.DisposeAsync();
    }

    /// <summary>
    /// A Kestrel instance (provider timeout 10 s, no sweep) whose bootstrap admin connected a new patient
    /// to Strava with an access token that expired an hour ago; the client is the admin's.
    /// </summary>
    private static async Task<(ServiceInstance Service, InstanceOptions Options, HttpClient Admin, string Patient)> StartWithAnExpiredConnectionAsync(ThirdParties fakes, string patientPrefix)
    {
        var port = FreePort.Next();
        var options = fakes.Options() with
        {
            KestrelPort = port,
            Settings = new Dictionary<string, string?>
            {
                ["Wearables:Providers:TimeoutSeconds"] = "10",
                ["Wearables:ShutdownTimeoutSeconds"] = "20",
                ["Wearables:Tokens:SweepIntervalSeconds"] = "0",
            },
        };
        var service = ServiceInstance.Start(options);
        var patient = patientPrefix + Guid.NewGuid().ToString("N")[..8];
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-API-Key", options.BootstrapAdminKey);
        await Http.ConfigureStravaAsync(http, fakes.Strava);
        fakes.Strava.InitialAccessTokenLifetime = TimeSpan.FromHours(-1);
        await Http.ConnectStravaAsync(http, fakes.Strava, patient);
        return (service, options, http, patient);
    }

    [Test]
    public async Task WhileStopping_NewRequestsAre503ShuttingDown_WithConnectionClose()
    {
        // What the host signals first on SIGTERM, before it stops its servers and services.
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();
        var lifetime = new StoppingLifetime(stopping.Token);
        var services = new ServiceCollection().AddSingleton<IHostApplicationLifetime>(lifetime).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var reached = false;

        await ShutdownDrain.RefuseWhileStoppingAsync(context, _ =>
        {
            reached = true;
            return Task.CompletedTask;
        });

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Multiple(() =>
        {
            Assert.That(reached, Is.False, "the request goes no further");
            Assert.That(context.Response.StatusCode, Is.EqualTo(503));
            Assert.That(body, Does.Contain("\"error\":\"shutting_down\""));
            Assert.That(context.Response.Headers.Connection.ToString(), Is.EqualTo("close"));
            Assert.That(context.Response.Headers.RetryAfter.ToString(), Is.EqualTo("1"));
        });
    }

    private sealed class StoppingLifetime(CancellationToken stopping) : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => stopping;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
