using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wearables.Api.Hosting;

namespace Wearables.Api.Tests.Hosting;

/// <summary>
/// The request warm-up before the server listens, run as the service is deployed (the built service, Kestrel,
/// Embedded storage): it sends its requests through the pipeline, writes nothing, leaves no request line,
/// refusal or challenge on stdout, is not in the request metric and does not count against a real client's address.
/// </summary>
[NonParallelizable]
public sealed partial class WarmingServerTests
{
    [Test]
    public async Task Start_WarmsThePipelineBeforeListening_WithoutWritesLogLinesMetricsOrThrottling()
    {
        using var data = new TempDirectory("warming-server");
        var (output, afterStart) = await RunAsync(data.Path, [], async client =>
        {
            // Right after start: a made-up key from loopback is refused as such (401), not blocked (429) by what the warm-up sent.
            using var wrongKey = new HttpRequestMessage(HttpMethod.Post, "/v1/wearables/strava/connect") { Content = new StringContent("{\"patientId\":\"p1\"}", Encoding.UTF8, "application/json") };
            wrongKey.Headers.Add("X-API-Key", "wk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            var refused = await client.SendAsync(wrongKey);

            // The request metric is recorded once the answer is done, and the scrape is rendered at most once a second.
            await Task.Delay(1500);
            var scrape = await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync();
            return (StatusCode: refused.StatusCode, Scrape: scrape);
        });

        var warmed = output.Select(l => WarmedLine().Match(l)).SingleOrDefault(m => m.Success);
        var stored = string.Concat(Directory.GetFiles(data.Path, "*.db*").Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(warmed, Is.Not.Null, "the warm-up line: " + string.Join('\n', output));
            Assert.That(int.Parse(warmed!.Groups["requests"].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(100));
            Assert.That(afterStart.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

            // Only this test's own requests are in the request metric: its health polls (200) and its one 401.
            var counts = afterStart.Scrape.Split('\n').Select(l => CountLine().Match(l)).Where(m => m.Success).ToList();
            Assert.That(counts, Is.Not.Empty, "the request metric is served: " + afterStart.Scrape);
            Assert.That(counts.Select(m => m.Groups["status"].Value).Distinct(), Is.SubsetOf(new[] { "200", "401" }));
            Assert.That(counts.Where(m => m.Groups["status"].Value == "401").Sum(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(1));
            Assert.That(counts.Where(m => m.Value.Contains("callback", StringComparison.Ordinal) || m.Value.Contains("token", StringComparison.Ordinal)), Is.Empty);

            // No request line, refusal or challenge of the warm-up on stdout (the test's own 401 is after start).
            Assert.That(output.Where(l => l.Contains("responded 401", StringComparison.Ordinal)), Has.Exactly(1).Items);
            Assert.That(output.Where(l => l.Contains("challenged", StringComparison.Ordinal)), Has.Exactly(1).Items);
            Assert.That(output.Where(l => l.Contains("responded 404", StringComparison.Ordinal) || l.Contains("Refused", StringComparison.Ordinal)
                || l.Contains("warm-up.", StringComparison.Ordinal)), Is.Empty);

            // Nothing of the made-up project or patient was written.
            Assert.That(stored, Does.Not.Contain("warm-up"));
        }
    }

    [Test]
    public async Task RequestSecondsZero_TurnsTheRequestWarmupOff()
    {
        using var data = new TempDirectory("warming-server-off");
        var (output, _) = await RunAsync(data.Path, ["--Wearables:Warmup:RequestSeconds=0"], _ => Task.FromResult(0));

        Assert.That(output.Where(l => WarmedLine().IsMatch(l)), Is.Empty);
    }

    [Test]
    public void Install_WrapsTheRegisteredServer_AndKeepsItsFeatures()
    {
        var inner = new RecordingServer();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(Options.Create(new ApiOptions { Warmup = { RequestSeconds = 0 } }));
        services.AddSingleton<IServer>(inner);

        WarmingServer.Install(services);
        using var provider = services.BuildServiceProvider();
        var server = provider.GetRequiredService<IServer>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(server, Is.InstanceOf<WarmingServer>());
            Assert.That(server.Features, Is.SameAs(inner.Features));
            Assert.That(services.Count(d => d.ServiceType == typeof(IServer)), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Warmup_Off_StartsTheInnerServerWithTheSameApplication()
    {
        var inner = new RecordingServer();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 0 } }), NullLogger<WarmingServer>.Instance);
        var application = new CountingApplication();

        await server.StartAsync(application, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.SameAs(application));
            Assert.That(application.Requests, Is.Zero);
        }
    }

    [Test]
    public async Task Warmup_SendsEveryRequestOfTheSet_AsAStrangerAndAsTheMadeUpAdmin_ThenStartsTheInnerServer()
    {
        var inner = new RecordingServer();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 30 } }), NullLogger<WarmingServer>.Instance);
        var application = new CountingApplication();

        await server.StartAsync(application, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.SameAs(application), "started after the warm-up");
            Assert.That(application.Requests, Is.GreaterThanOrEqualTo(WarmingServer.Rounds * 14));
            Assert.That(application.FromAddresses, Is.EquivalentTo(new[] { WarmingServer.Address }));
            Assert.That(application.AuthenticatedProjects, Has.Count.EqualTo(1).And.All.StartWith("warm-up."), "one made-up project");
            Assert.That(application.MadeUpKeys, Is.InRange(1, 10), "fewer made-up keys than the auth-failure limit");
            Assert.That(application.Paths, Does.Contain("/v1/wearables/strava/connect").And.Contain("/v1/wearables/strava/callback").And.Contain("/api/v1/users/warm-up/connections/strava/token"));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Warmup_WhoseRequestsHang_StillListensWithinItsLimit(bool requestsStopWhenAborted)
    {
        // A store down at start: the pipeline's answers never come. The limit aborts them, or (when they do not stop)
        // the server listens anyway a second past it.
        var inner = new RecordingServer();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 1 } }), NullLogger<WarmingServer>.Instance);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await server.StartAsync(new HangingApplication(requestsStopWhenAborted), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.Not.Null);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(requestsStopWhenAborted ? 1.8 : 2.8)));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)), "it did wait for the warm-up");
        }
    }

    private static async Task<(string[] Output, T Result)> RunAsync<T>(string dataDirectory, string[] extra, Func<HttpClient, Task<T>> afterStart)
    {
        var port = FreePort.Next();
        var process = ServerProcess.Start("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "Wearables.Api.dll"),
            "--environment", "Development",
            "--urls", $"http://127.0.0.1:{port}",
            "--Wearables:DataDirectory=" + dataDirectory,
            "--Wearables:Encryption:MasterKey=" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            $"--Wearables:PublicBaseUrl=http://127.0.0.1:{port}",
            .. extra,
        ]);
        await using (process)
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await process.WaitUntilLiveAsync(client);

            var result = await afterStart(client);
            await Task.Delay(300);
            await process.StopAsync();
            return (process.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), result);
        }
    }

    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{.*http_response_status_code=""(?<status>\d+)"".*\} (?<value>[\d.e+]+)")]
    private static partial Regex CountLine();

    [GeneratedRegex(@"Request warm-up: (?<requests>\d+) requests through the pipeline in \d+ ms, listening after \d+ ms")]
    private static partial Regex WarmedLine();

    private sealed class RecordingServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public object? Started { get; private set; }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            Started = application;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    /// <summary>An application whose answers never come (unless aborted, when it honours that).</summary>
    private sealed class HangingApplication(bool stopsWhenAborted) : IHttpApplication<IFeatureCollection>
    {
        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context) => stopsWhenAborted
            ? Task.Delay(Timeout.Infinite, context.Get<IHttpRequestLifetimeFeature>()!.RequestAborted)
            : new TaskCompletionSource().Task;

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }

    /// <summary>An application that answers 401 and records what it was sent.</summary>
    private sealed class CountingApplication : IHttpApplication<IFeatureCollection>
    {
        public int Requests { get; private set; }

        public int MadeUpKeys { get; private set; }

        public HashSet<IPAddress> FromAddresses { get; } = [];

        public HashSet<string> AuthenticatedProjects { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Paths { get; } = new(StringComparer.Ordinal);

        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context)
        {
            Requests++;
            var request = context.Get<IHttpRequestFeature>()!;
            Paths.Add(request.Path);
            FromAddresses.Add(context.Get<IHttpConnectionFeature>()!.RemoteIpAddress!);
            if (request.Headers.ContainsKey("X-API-Key"))
            {
                MadeUpKeys++;
            }

            if (context.Get<Microsoft.AspNetCore.Http.Features.Authentication.IHttpAuthenticationFeature>()?.User is { } user)
            {
                AuthenticatedProjects.Add(user.FindFirst(Wearables.Api.Auth.WearablesClaims.Project)!.Value);
            }

            context.Get<IHttpResponseFeature>()!.StatusCode = 401;
            return Task.CompletedTask;
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }
}
