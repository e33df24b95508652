using System.Text;
using Wearables.Domain.Security;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>
/// TestServer applies no request-body or header limit ("This server does not support the
/// IHttpMaxRequestBodySizeFeature"), so in the fuzz pass huge bodies reach the validators. Over real
/// Kestrel the service's own limits answer first: 64 kB bodies (413), 32 kB of headers (431).
/// </summary>
[TestFixture]
[Category("Fuzz")]
[NonParallelizable]
public sealed class KestrelLimitsTests
{
    [Test]
    public async Task HugeBodiesAndHeaders_OverKestrel_AreRefusedBeforeAnythingIsStored()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        var port = FreePort.Next();
        await using var service = ServiceInstance.Start(fakes.Options() with { KestrelPort = port });
        var project = WearablesServiceFactory.NewProjectId();
        var adminKey = (await service.IssueKeyAsync(project, Role.Admin)).Key;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var before = await StoreFingerprint.ReadAsync(service);
        var random = new Random(20261122);
        var log = new LoadLog();

        string[] paths = ["/v1/wearables/strava/credentials", "/v1/project/settings/WEARABLE_STRAVA_ENABLED", "/v1/api-keys", "/v1/wearables/strava/connect", "/v1/wearables/link/exchange"];
        for (var i = 0; i < 20; i++)
        {
            var path = paths[i % paths.Length];
            var method = path.Contains("credentials", StringComparison.Ordinal) || path.Contains("settings", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post;
            var size = 100_000 + random.Next(1_900_000);
            var body = "{\"clientId\":\"" + new string('h', size) + "\",\"clientSecret\":\"s\",\"value\":true,\"name\":\"n\",\"role\":\"service\",\"patientId\":\"pat-1\",\"link_token\":\"t\"}";
            await log.RecordAsync($"{method} {size / 1000} kB body", "kestrel", async () =>
            {
                using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-API-Key", adminKey);

                // As a careful client would: the 413 then comes before the upload (without it, Kestrel's early
                // 413 can meet a client still uploading, which sees the connection closed).
                request.Headers.ExpectContinue = true;
                using var response = await http.SendAsync(request);
                return await Answer.ReadAsync(response);
            });
        }

        var bigHeader = await log.RecordAsync("GET with a 100 kB X-API-Key", "kestrel", async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/project/settings");
            request.Headers.TryAddWithoutValidation("X-API-Key", new string('k', 100_000));
            using var response = await http.SendAsync(request);
            return await Answer.ReadAsync(response);
        });
        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        var after = await StoreFingerprint.ReadAsync(service);

        progress.WriteLine("[kestrel limits] what was seen:");
        progress.WriteLine(LoadLog.Summarize(log.Samples.Select(s => s with { Label = s.Label.Split(' ')[0] + (s.Label.Contains("kB body", StringComparison.Ordinal) ? " huge body" : " huge header") })));
        var bodies = log.Samples.Where(s => s.Label.Contains("kB body", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(bodies.Where(s => s.Status >= 500 || (s.Exception is not null && s.Exception != nameof(HttpRequestException))).Select(s => s.ToString()), Is.Empty, "no 5xx");
            Assert.That(bodies.Where(s => s.Status != 413 && s.Exception is null).Select(s => s.ToString()), Is.Empty, "bodies over 64 kB: 413 (or the connection closed on an upload that went on after the 413)");
            Assert.That(bodies.Count(s => s.Status == 413), Is.GreaterThanOrEqualTo(bodies.Count - 3), "413 for (nearly) every huge body");
            Assert.That(bigHeader.Status, Is.EqualTo(431), "headers over 32 kB: 431 " + bigHeader);
            Assert.That((int)live.StatusCode, Is.EqualTo(200));
            Assert.That(after, Is.EqualTo(before), "nothing stored");
            Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
        });
    }

    [Test]
    public async Task HugeChunkedBodies_WithoutContentLength_Get413_AndNothingIsStored()
    {
        await using var fakes = await ThirdParties.StartAsync();
        var port = FreePort.Next();
        await using var service = ServiceInstance.Start(fakes.Options() with { KestrelPort = port });
        var project = WearablesServiceFactory.NewProjectId();
        var adminKey = (await service.IssueKeyAsync(project, Role.Admin)).Key;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var before = await StoreFingerprint.ReadAsync(service);

        // No Content-Length, so Kestrel cannot refuse up front: the limit has to stop the service's own read of the body.
        var answers = new List<Answer>();
        foreach (var path in new[] { "/v1/wearables/strava/credentials", "/v1/project/settings/WEARABLE_STRAVA_ENABLED" })
        {
            var body = Encoding.UTF8.GetBytes("{\"clientId\":\"" + new string('h', 70 * 1024) + "\",\"clientSecret\":\"s\",\"value\":true}");
            using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ChunkedJsonContent(body, 8 * 1024) };
            request.Headers.Add("X-API-Key", adminKey);
            using var response = await http.SendAsync(request);
            answers.Add(await Answer.ReadAsync(response));
        }

        var after = await StoreFingerprint.ReadAsync(service);
        TestContext.Progress.WriteLine("[kestrel limits] chunked bodies over 64 kB: " + string.Join(", ", answers.Select(a => a.Status)));
        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(413));
            Assert.That(after, Is.EqualTo(before), "nothing stored");
            Assert.That(service.Probe.Escaped, Is.Empty, "no exception escaped the service's pipeline");
        });
    }
}
