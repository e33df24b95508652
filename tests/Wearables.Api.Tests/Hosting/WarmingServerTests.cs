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
using Wearables.Api.Tests.Infrastructure;

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

            // The made-up admin's connect ran to its end (its settings, credentials and state from the warm-up stores).
            Assert.That(warmed.Groups["connect"].Value, Is.EqualTo("200"));

            // Every loopback round reached the pipeline through the warm-up's own Kestrel listener: 7 requests, twice.
            Assert.That(int.Parse(warmed.Groups["loopback"].Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(WarmingServer.LoopbackRounds * 14));

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

            // Nothing of the made-up project or patient was written: not its settings, credentials or OAuth states.
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
            Assert.That(application.Sent, Is.Empty);
        }
    }

    [Test]
    public async Task Warmup_SendsEveryRequestOfTheSet_AsAStrangerAndAsTheMadeUpAdmin_ThenStartsTheInnerServer()
    {
        var inner = new RecordingServer();
        var logger = new RecordingLogger();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 30 } }), logger);
        var application = new CountingApplication();

        await server.StartAsync(application, CancellationToken.None);

        var stranger = application.Sent.Where(r => r.Project is null).ToList();
        var admin = application.Sent.Where(r => r.Project is not null).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.SameAs(application), "started after the warm-up");
            Assert.That(application.Sent, Has.Count.EqualTo(WarmingServer.Rounds * 14 + 10 * 2), "every round: 7 requests twice; 10 made-up keys, twice");
            Assert.That(logger.Lines.Single(), Does.StartWith($"Request warm-up: {application.Sent.Count} requests through the pipeline in ")
                .And.Contains(" ms, 0 of them over loopback (the made-up admin's connect answered 200)"), "no socket transport here: no loopback rounds");
            Assert.That(application.Sent, Has.All.Matches<SentRequest>(r => r!.InWarmupScope), "each in a warm-up scope that names the admin's project");
            Assert.That(application.Sent.Select(r => r.Address).Distinct(), Is.EqualTo(new[] { WarmingServer.Address }));
            Assert.That(admin.Select(r => r.Project).Distinct(), Has.Exactly(1).Items.And.All.Match(@"^warm-up\.[0-9a-f]{32}$"), "one made-up project");
            Assert.That(admin, Has.Count.EqualTo(stranger.Count).And.All.Matches<SentRequest>(r => r!.ApiKey is null), "the admin's twin of each, without a key");
            Assert.That(stranger.Count(r => r.ApiKey is not null), Is.EqualTo(10), "fewer made-up keys than the auth-failure limit (20)");
            Assert.That(stranger.Where(r => r.ApiKey is not null).Select(r => r.ApiKey), Is.Unique.And.All.Match("^wk_[A-Za-z0-9_-]{43}$"));
            Assert.That(stranger.Select(r => r.Method + " " + r.Path).Distinct(), Is.EquivalentTo(new[]
            {
                "POST /v1/wearables/strava/connect", "POST /api/v1/users/warm-up/connections/strava/token", "GET /api/v1/users/warm-up/connections",
                "GET /v1/project/settings", "GET /v1/wearables/strava/callback", "GET /health/live", "GET /warm-up/no-such-route",
            }));
            Assert.That(stranger.Where(r => r.Path.EndsWith("/callback", StringComparison.Ordinal)).Select(r => r.Query), Is.Unique.And.All.Match(@"^\?code=warm-up&state=[A-Za-z0-9_-]{64}$"));
            Assert.That(stranger.Where(r => r.Method == "POST").Select(r => (r.ContentType, r.Body)).Distinct(), Is.EquivalentTo(new[]
            {
                ("application/json", "{\"patientId\":\"warm-up\"}"), ("application/json", "{}"),
            }));
            Assert.That(stranger.Where(r => r.Method == "GET").Select(r => r.Body), Is.All.Empty);
            Assert.That(application.Sent.Select(r => (r.Scheme, r.Protocol, r.Host)).Distinct(), Is.EqualTo(new[] { ("http", "HTTP/1.1", "warm-up.invalid") }));

            // The pause past the call-counting delay comes after the 10 compiling rounds (7 + 1 requests each, twice).
            var gaps = application.Sent.Zip(application.Sent.Skip(1), (a, b) => b.At - a.At).ToList();
            var longest = gaps.IndexOf(gaps.Max());
            Assert.That(gaps[longest], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(240)));
            Assert.That(longest + 1, Is.EqualTo(10 * 16), "the pause is between the compiling and the counted rounds");
        }
    }

    [Test]
    public async Task Warmup_WithASocketTransport_SendsTheSetAgainOverLoopback_ThroughItsGate_ThenClosesThatListener()
    {
        var inner = new RecordingServer();
        var logger = new RecordingLogger();
        using var provider = SocketTransport();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 30 } }), logger, provider);
        var application = new CountingApplication();
        var listeners = ListeningLoopbackPorts();

        await server.StartAsync(application, CancellationToken.None);

        var inMemory = WarmingServer.Rounds * 14 + 10 * 2;
        var overLoopback = application.Sent.Skip(inMemory).ToList();
        var stranger = overLoopback.Where(r => r.Project is null).ToList();
        var admin = overLoopback.Where(r => r.Project is not null).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.SameAs(application), "started after the warm-up");
            Assert.That(overLoopback, Has.Count.EqualTo(WarmingServer.LoopbackRounds * 14), "every loopback round: 7 requests twice");
            Assert.That(logger.Lines.Single(), Does.StartWith($"Request warm-up: {application.Sent.Count} requests through the pipeline in ")
                .And.Contains($" ms, {overLoopback.Count} of them over loopback (the made-up admin's connect answered 200)"));
            Assert.That(overLoopback, Has.All.Matches<SentRequest>(r => r!.InWarmupScope && r.ApiKey is null && r.Address.Equals(WarmingServer.Address)));
            Assert.That(overLoopback.Select(r => (r.Scheme, r.Protocol, r.Host)).Distinct(), Is.EqualTo(new[] { ("http", "HTTP/1.1", "warm-up.invalid") }));

            // Over one real connection to an ephemeral port of 127.0.0.1 (not Kestrel's default localhost:5000).
            var local = overLoopback.Select(r => r.Local).Distinct().Single();
            Assert.That(local.Address, Is.EqualTo(IPAddress.Loopback));
            Assert.That(local.Port, Is.InRange(EphemeralPorts().Low, EphemeralPorts().High));
            Assert.That(admin, Has.Count.EqualTo(stranger.Count));
            Assert.That(admin.Select(r => r.Project).Distinct().Single(), Is.EqualTo(application.Sent.First(r => r.Project is not null).Project), "the same made-up project");
            Assert.That(stranger.Select(r => r.Method + " " + r.Path).Distinct(), Is.EquivalentTo(application.Sent.Take(14).Select(r => r.Method + " " + r.Path).Distinct()));
            Assert.That(overLoopback.Where(r => r.Method == "POST").Select(r => (r.ContentType, r.Body)).Distinct(), Is.EquivalentTo(new[]
            {
                ("application/json; charset=utf-8", "{\"patientId\":\"warm-up\"}"), ("application/json; charset=utf-8", "{}"),
            }));

            // The pause past the call-counting delay comes after the 5 compiling rounds (7 requests each, twice).
            var gaps = overLoopback.Zip(overLoopback.Skip(1), (a, b) => b.At - a.At).ToList();
            var longest = gaps.IndexOf(gaps.Max());
            Assert.That(gaps[longest], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(240)));
            Assert.That(longest + 1, Is.EqualTo(5 * 14));

            // Its listener is closed before the server starts.
            Assert.That(ListeningLoopbackPorts().Except(listeners), Is.Empty);
        }
    }

    [Test]
    public async Task Warmup_WhoseLoopbackListenerCannotOpen_SkipsThoseRounds_AndStartsTheServer()
    {
        var inner = new RecordingServer();
        var logger = new RecordingLogger();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(new RefusingTransport());
        using var provider = services.BuildServiceProvider();
        var server = new WarmingServer(inner, Options.Create(new ApiOptions { Warmup = { RequestSeconds = 30 } }), logger, provider);
        var application = new CountingApplication();

        await server.StartAsync(application, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Started, Is.SameAs(application));
            Assert.That(application.Sent, Has.Count.EqualTo(WarmingServer.Rounds * 14 + 10 * 2), "the in-memory rounds only");
            Assert.That(logger.Lines, Has.Count.EqualTo(2));
            Assert.That(logger.Lines[0], Does.StartWith("Request warm-up over loopback skipped (").And.EndWith("Exception)"));
            Assert.That(logger.Lines[1], Does.Contain(" ms, 0 of them over loopback (the made-up admin's connect answered 200)"));
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

    /// <summary>What the host registers for Kestrel: the socket transport and a logger factory.</summary>
    private static ServiceProvider SocketTransport()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportFactory(
            Options.Create(new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions()), NullLoggerFactory.Instance));
        return services.BuildServiceProvider();
    }

    private static (int Low, int High) EphemeralPorts()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The loopback ports listened on now (IPv4), from /proc/net/tcp.</summary>
    private static HashSet<int> ListeningLoopbackPorts() =>
        File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && f[1].StartsWith("0100007F:", StringComparison.Ordinal))
            .Select(f => Convert.ToInt32(f[1][9..], 16))
            .ToHashSet();

    private static async Task<(string[] Output, T Result)> RunAsync<T>(string dataDirectory, string[] extra, Func<HttpClient, Task<T>> afterStart)
    {
        await using var service = await BuiltService.StartAsync("Development", dataDirectory, extra);
        var result = await afterStart(service.Client);
        await Task.Delay(300);
        return (await service.StopAsync(), result);
    }

    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{.*http_response_status_code=""(?<status>\d+)"".*\} (?<value>[\d.e+]+)")]
    private static partial Regex CountLine();

    [GeneratedRegex(@"Request warm-up: (?<requests>\d+) requests through the pipeline in \d+ ms, (?<loopback>\d+) of them over loopback \(the made-up admin's connect answered (?<connect>\d+)\), listening after \d+ ms")]
    private static partial Regex WarmedLine();

    /// <summary>A transport whose every bind fails, as when loopback cannot be listened on.</summary>
    private sealed class RefusingTransport : Microsoft.AspNetCore.Connections.IConnectionListenerFactory
    {
        public ValueTask<Microsoft.AspNetCore.Connections.IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            throw new Microsoft.AspNetCore.Connections.AddressInUseException("refused by the test");
    }

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

    private sealed record SentRequest(string Method, string Path, string Query, string? ApiKey, string? Project, IPAddress Address,
        string? ContentType, string Body, string Scheme, string Protocol, string Host, TimeSpan At, bool InWarmupScope, IPEndPoint Local);

    /// <summary>
    /// An application that answers 401 (200 to the made-up admin's connect) and records what it was sent, when, and
    /// whether it ran in a warm-up scope naming the admin's project.
    /// </summary>
    private sealed class CountingApplication : IHttpApplication<IFeatureCollection>
    {
        private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();

        public List<SentRequest> Sent { get; } = [];

        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public async Task ProcessRequestAsync(IFeatureCollection context)
        {
            var request = context.Get<IHttpRequestFeature>()!;
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var user = context.Get<Microsoft.AspNetCore.Http.Features.Authentication.IHttpAuthenticationFeature>()?.User;
            var project = user?.FindFirst(Wearables.Api.Auth.WearablesClaims.Project)?.Value;
            Sent.Add(new SentRequest(request.Method, request.Path, request.QueryString,
                request.Headers.TryGetValue("X-API-Key", out var key) ? key.ToString() : null,
                project,
                context.Get<IHttpConnectionFeature>()!.RemoteIpAddress!,
                request.Headers.ContentType.Count > 0 ? request.Headers.ContentType.ToString() : null, body,
                request.Scheme, request.Protocol, request.Headers.Host.ToString(), clock.Elapsed,
                Wearables.Application.Common.WarmupScope.Active && (project is null || Wearables.Application.Common.WarmupScope.IsMadeUpProject(project)),
                new IPEndPoint(context.Get<IHttpConnectionFeature>()!.LocalIpAddress ?? IPAddress.None, context.Get<IHttpConnectionFeature>()!.LocalPort)));
            context.Get<IHttpResponseFeature>()!.StatusCode = project is not null && request.Path == "/v1/wearables/strava/connect" ? 200 : 401;
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }

    private sealed class RecordingLogger : ILogger<WarmingServer>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
