using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 6: the instance holding a connection's refresh lock is killed (SIGKILL, a real process)
/// while its refresh call hangs at the provider. Another instance's caller waits at most the lock's
/// lifetime, then refreshes with the refresh token that is actually stored: nothing expires or is lost.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class KilledRefreshHolderDrill
{
    private const int LockSeconds = 8;

    [Test]
    public async Task HolderKilledDuringASlowRefresh_AnotherInstanceCompletesWithinTheLockLifetime()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var stores = await SharedStores.StartAsync();
        var shared = stores.Options(fakes) with
        {
            Settings = new Dictionary<string, string?> { ["Wearables:Tokens:RefreshLockSeconds"] = LockSeconds.ToString(CultureInfo.InvariantCulture) },
        };
        await using var b = ServiceInstance.Start(shared);
        using var adminB = b.Client(shared.BootstrapAdminKey, TimeSpan.FromSeconds(60));
        await Http.ConfigureStravaAsync(adminB, fakes.Strava);

        var patient = "pat-killed-" + Guid.NewGuid().ToString("N")[..8];
        fakes.Strava.InitialAccessTokenLifetime = TimeSpan.FromHours(-1);
        await Http.ConnectStravaAsync(adminB, fakes.Strava, patient);
        var storedRefresh = fakes.Strava.CurrentRefreshToken(fakes.Strava.AthleteId)!;

        using var a = await ApiProcess.StartAsync(shared, fakes);
        using var adminA = new HttpClient { BaseAddress = a.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        adminA.DefaultRequestHeaders.Add("X-API-Key", shared.BootstrapAdminKey);

        // A takes the lock and hangs at the provider; it is killed while the call is open.
        fakes.Strava.SlowDelay = TimeSpan.FromSeconds(30);
        fakes.Strava.RefreshFaults.FailNext(1, Fakes.FakeMode.Slow);
        var onA = adminA.PostAsync($"/api/v1/users/{patient}/connections/strava/token", Http.Json(new { }));
        await WaitUntilAsync(() => fakes.Strava.RefreshCallsFor(storedRefresh) == 1, TimeSpan.FromSeconds(20));
        a.Kill();
        var killed = Stopwatch.GetTimestamp();
        progress.WriteLine($"[killed holder] A (pid {a.Pid}) called the provider with the stored refresh token and was killed");

        var onB = await adminB.SendAsync(HttpMethod.Post, $"/api/v1/users/{patient}/connections/strava/token", new { });
        var waited = Stopwatch.GetElapsedTime(killed);
        progress.WriteLine($"[killed holder] B answered {onB.Status} {Durations.Ms(waited)} after the kill (lock lifetime {LockSeconds} s); refresh calls with the stored token {fakes.Strava.RefreshCallsFor(storedRefresh)}");
        try
        {
            await onA;
        }
        catch (HttpRequestException)
        {
            // A is gone: its caller sees the connection drop.
        }

        await using var scope = b.Services.CreateAsyncScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<IConnectionRepository>().FindAsync(shared.BootstrapProject, patient, "strava", CancellationToken.None))!;
        Assert.Multiple(() =>
        {
            Assert.That(onB.Status, Is.EqualTo(200), onB.ToString());
            Assert.That(waited, Is.LessThan(TimeSpan.FromSeconds(LockSeconds + 4)), "B waited at most about the lock lifetime");
            Assert.That(JsonDocument.Parse(onB.Body).RootElement.GetProperty("access_token").GetString(), Is.EqualTo(fakes.Strava.CurrentAccessToken(fakes.Strava.AthleteId)));
            Assert.That(fakes.Strava.RefreshCallsFor(storedRefresh), Is.EqualTo(2), "A's aborted call and B's, both with the stored refresh token");
            Assert.That(stored.Status, Is.EqualTo(ConnectionStatus.Active), "nothing expired");
            Assert.That(scope.ServiceProvider.GetRequiredService<ConnectionTokens>().OpenRefreshToken(stored), Is.EqualTo(fakes.Strava.CurrentRefreshToken(fakes.Strava.AthleteId)));
        });
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting");
            await Task.Delay(10);
        }
    }

    /// <summary>The built service as a process of its own (<c>dotnet Wearables.Api.dll</c>), so that it can really be killed.</summary>
    private sealed class ApiProcess : IDisposable
    {
        private readonly Process process;
        private readonly TempDirectory data;

        private ApiProcess(Process process, TempDirectory data, Uri baseUrl)
        {
            this.process = process;
            this.data = data;
            BaseUrl = baseUrl;
        }

        public Uri BaseUrl { get; }

        public int Pid => process.Id;

        public static async Task<ApiProcess> StartAsync(InstanceOptions options, ThirdParties fakes)
        {
            var port = FreePort.Next();
            var baseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            var data = new TempDirectory("wearables-killed");
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data.Path };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Wearables.Api.dll"));
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var settings = new Dictionary<string, string?>(fakes.Strava.ServiceSettings())
            {
                ["urls"] = baseUrl.ToString(),
                ["Wearables:Storage"] = "Redis",
                ["ConnectionStrings:Redis"] = options.RedisConnectionString,
                ["Wearables:Connections"] = "Fhir",
                ["Wearables:Fhir:BaseUrl"] = options.FhirBaseUrl!.ToString(),
                ["Wearables:DataDirectory"] = data.Path,
                ["Wearables:Encryption:MasterKey"] = options.MasterKey,
                ["Wearables:Bootstrap:Project"] = options.BootstrapProject,
                ["Wearables:PublicBaseUrl"] = ServiceInstance.PublicBaseUrl,
                ["Wearables:Providers:TimeoutSeconds"] = "5",
                ["Wearables:Tokens:RefreshLockSeconds"] = LockSeconds.ToString(CultureInfo.InvariantCulture),
                ["Serilog:MinimumLevel"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                info.ArgumentList.Add($"--{key}={value}");
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var started = new ApiProcess(process, data, baseUrl);
            using var probe = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                Assert.That(process.HasExited, Is.False, "the service process exited at start-up");
                try
                {
                    if ((await probe.GetAsync("/health/live")).IsSuccessStatusCode)
                    {
                        return started;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    started.Dispose();
                    Assert.Fail("the service process did not answer /health/live within 60 s");
                }

                await Task.Delay(100);
            }
        }

        /// <summary>SIGKILL: no shutdown, no lock release, no extension any more.</summary>
        public void Kill()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }

        public void Dispose()
        {
            Kill();
            process.Dispose();
            data.Dispose();
        }
    }
}
