using Wearables.Fakes;
using Wearables.Resilience.Tests.Infrastructure;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Drill 3: the provider (and Junction) hang for 10 s. Callbacks and link exchanges answer 502 within
/// the configured 2 s bound while other requests keep their latency.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class SlowProviderDrill
{
    private const int SlowCallbacks = 4;
    private const int SettingsClients = 4;

    [Test]
    public async Task SlowProvider_Answers502WithinTheBound_WhileOtherRequestsKeepTheirLatency()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var service = ServiceInstance.Start(fakes.Options());
        using var admin = service.Client(service.BootstrapAdminKey);
        using var browser = service.Client();
        await Http.ConfigureStravaAsync(admin, fakes.Strava);
        var log = new LoadLog();

        // Baseline latency of the settings read.
        for (var i = 0; i < 20; i++)
        {
            await log.RecordAsync("GET settings", "baseline", () => admin.SendAsync(HttpMethod.Get, "/v1/project/settings"));
        }

        var flows = new List<(string State, string Code)>();
        for (var i = 0; i < SlowCallbacks; i++)
        {
            flows.Add((await Http.ConnectAsync(admin, "strava", $"pat-slow-{i}"), fakes.Strava.IssueCode(Http.CallbackUri("strava"))));
        }

        fakes.Strava.Mode = FakeMode.Slow;
        fakes.Strava.SlowDelay = TimeSpan.FromSeconds(10);
        fakes.Junction.Mode = FakeMode.Slow;
        fakes.Junction.SlowDelay = TimeSpan.FromSeconds(10);
        progress.WriteLine($"[slow drill] FakeStrava and FakeJunction now wait {fakes.Strava.SlowDelay.TotalSeconds:0} s before answering; the service's bound is 2 s");

        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, SettingsClients).Select(_ => Task.Run(async () =>
        {
            using var client = service.Client(service.BootstrapAdminKey);
            while (!stop.IsCancellationRequested)
            {
                await log.RecordAsync("GET settings", "provider slow", () => client.SendAsync(HttpMethod.Get, "/v1/project/settings"));
                await Task.Delay(20, CancellationToken.None);
            }
        })).ToArray();

        var slow = Task.WhenAll(flows.Select(f =>
            log.RecordAsync("callback", "provider slow", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", f.Code, f.State)))));
        var exchange = log.RecordAsync("link exchange", "provider slow", () => admin.SendAsync(HttpMethod.Post, "/v1/wearables/link/exchange", new { link_token = "lt-" + Guid.NewGuid().ToString("N") }));
        var callbacks = await slow;
        var exchanged = await exchange;
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        // The provider is fine again: no restart needed.
        fakes.Strava.Mode = FakeMode.Normal;
        fakes.Junction.Mode = FakeMode.Normal;
        var state = await Http.ConnectAsync(admin, "strava", "pat-slow-0");
        var code = fakes.Strava.IssueCode(Http.CallbackUri("strava"));
        var recovered = await log.RecordAsync("callback", "provider ok", () => browser.SendAsync(HttpMethod.Get, Http.CallbackPath("strava", code, state)));

        progress.WriteLine("[slow drill] what was seen:");
        progress.WriteLine(LoadLog.Summarize(log.Samples));
        var during = log.Samples.Where(s => s.Phase == "provider slow" && s.Label == "GET settings").ToList();
        var slowest = during.OrderByDescending(s => s.Latency).Take(5).Select(s => Durations.Ms(s.Latency));
        progress.WriteLine($"[slow drill] {during.Count} settings reads while {SlowCallbacks} callbacks and one exchange hung upstream; slowest: {string.Join(", ", slowest)}");

        Assert.Multiple(() =>
        {
            foreach (var callback in callbacks)
            {
                Assert.That((callback.Status, callback.Error), Is.EqualTo((502, "provider_unavailable")), "a callback against a hanging provider");
                Assert.That(callback.Latency, Is.LessThan(TimeSpan.FromSeconds(8)), "502 within the bound (2 s configured), not after the provider's 10 s");
            }

            Assert.That(exchanged.Status, Is.EqualTo(502), "a link exchange against a hanging Junction: " + exchanged);
            Assert.That(exchanged.Latency, Is.LessThan(TimeSpan.FromSeconds(8)), "Junction's bound is 2 s");
            Assert.That(during, Has.Count.GreaterThan(10), "settings were read while the upstream calls hung");
            Assert.That(during.Where(s => s.Status != 200).Select(s => s.ToString()), Is.Empty, "settings reads keep succeeding");
            Assert.That(during.Where(s => s.Latency > TimeSpan.FromSeconds(2)).Select(s => s.ToString()), Is.Empty, "no settings read took more than 2 s");
            Assert.That(recovered.Status, Is.EqualTo(200), "the provider answers again: the next callback succeeds");
            Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
        });
    }
}
