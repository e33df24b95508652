using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Wearables.Api.Auth;
using Wearables.Application.Common;
using Wearables.Application.Common.Security;
using Wearables.Domain.Security;

namespace Wearables.Api.Hosting;

/// <summary>
/// The server, with one more step before it listens: a few rounds of requests sent through the service's own
/// request pipeline in memory (middleware, routing, authentication, the MVC invokers, problem answers), so that
/// the code of those paths is compiled, and its precompiled framework code counted towards its optimized
/// recompilation, before the first client's request instead of during it (README, Performance, "Warm-up").
/// <para>
/// Two kinds of requests, neither of which writes anything or calls a provider:
/// <list type="bullet">
/// <item>a stranger's: no credential or a made-up key (refused; at most
/// <see cref="Limits.AuthFailureOptions.PermitLimit"/> − 1 of those, so that the warm-up address is never
/// blocked), callbacks with made-up states (refused before any store operation), health, an unknown route;</item>
/// <item>an admin's of a project made up at each start (<c>warm-up.</c> and 128 random bits, so no real
/// project): the principal is put on the request in memory, where no client can reach (no key exists for it).
/// Its connect runs to its end, as a client's does: the made-up project's settings (Strava enabled), credentials
/// (a made-up client id, sealed with the project's key) and OAuth state are answered and taken by
/// <see cref="WarmupStores"/>, never by the real stores. Its token request finds no connection, its list is
/// empty, its settings are the defaults: store reads only.</item>
/// </list>
/// They come from <see cref="Address"/> (documentation range, no real client has it), are not logged as
/// requests, refusals or challenges below the warning level (<see cref="WarmupScope"/>) and are not in the
/// request-duration metric. Then it waits until the runtime's background recompilation of what they ran
/// settles.
/// </para>
/// Bounded by <c>Wearables:Warmup:RequestSeconds</c>: past it the server listens anyway; 0 turns it off.
/// </summary>
public sealed partial class WarmingServer(IServer inner, IOptions<ApiOptions> options, ILogger<WarmingServer> logger, IServiceProvider? services = null) : IServer
{
    /// <summary>The client address of the warm-up requests (RFC 5737 TEST-NET-1).</summary>
    public static readonly IPAddress Address = IPAddress.Parse("192.0.2.1");

    /// <summary>How many times each request of the set is sent, at most: the compiling rounds, then the counted ones.</summary>
    public const int Rounds = 70;

    private const int CompilingRounds = 10;

    /// <summary>How many times each request of the set is sent over loopback, at most: the compiling rounds, then the counted ones.</summary>
    public const int LoopbackRounds = 40;

    private const int LoopbackCompilingRounds = 5;

    /// <summary>The Host of every warm-up request (a reserved name, RFC 2606).</summary>
    private const string Host = "warm-up.invalid";

    private const string ConnectPath = "/v1/wearables/" + WarmupStores.Provider + "/connect";

    private static readonly TimeSpan CallCountingPause = TimeSpan.FromMilliseconds(250);

    /// <summary>How long past the limit the server waits for aborted warm-up requests to end before it listens anyway.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);

    public IFeatureCollection Features => inner.Features;

    /// <summary>
    /// Replaces the registered <see cref="IServer"/> (Kestrel) with itself around it (nothing when none is registered), and
    /// puts the made-up project's stores around the real ones (<see cref="WarmupStores"/>).
    /// </summary>
    public static void Install(IServiceCollection services)
    {
        Infrastructure.Hosting.ServiceDecoration.Decorate<IServer>(services, (p, server) => ActivatorUtilities.CreateInstance<WarmingServer>(p, server));
        WarmupStores.Install(services);
    }

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        ArgumentNullException.ThrowIfNull(application);
        var limit = TimeSpan.FromSeconds(Math.Max(0, options.Value.Warmup.RequestSeconds));
        if (limit > TimeSpan.Zero)
        {
            // The limit aborts the requests still running (a store down at start answers late) and ends the wait; a
            // request that does not stop when aborted is left to finish in the background: the server listens anyway.
            var clock = Stopwatch.StartNew();
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(limit);
            try
            {
                var sent = await WarmAsync(application, clock, bound.Token).WaitAsync(limit + AbortGrace, cancellationToken).ConfigureAwait(false);
                LogWarmed(logger, sent.Requests, sent.RequestsMs, sent.Loopback, sent.ConnectStatus, (long)clock.Elapsed.TotalMilliseconds);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The warm-up is an optimisation: whatever it met, the server starts.
                LogFailed(logger, ex.GetType().Name);
            }
        }

        await inner.StartAsync(application, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public void Dispose() => inner.Dispose();

    private async Task<(int Requests, long RequestsMs, int Loopback, int ConnectStatus)> WarmAsync<TContext>(IHttpApplication<TContext> application, Stopwatch clock, CancellationToken bound)
        where TContext : notnull
    {
        var madeUpKeys = Math.Max(0, Math.Min(10, options.Value.Limits.AuthFailures.PermitLimit - 1));
        var project = MadeUpProjectId();
        var admin = MadeUpAdmin(project);
        var sent = 0;
        var connectStatus = 0;
        await SendRoundsAsync(Rounds, CompilingRounds, madeUpKeys, async (request, asAdmin) =>
        {
            var status = await SendAsync(application, request, asAdmin ? admin : null, project, bound).ConfigureAwait(false);
            if (asAdmin && request.Path == ConnectPath)
            {
                connectStatus = status;
            }

            sent++;
        }, bound).ConfigureAwait(false);

        var loopback = bound.IsCancellationRequested ? 0 : await WarmOverLoopbackAsync(application, project, admin, bound).ConfigureAwait(false);
        sent += loopback;

        var requestsMs = (long)clock.Elapsed.TotalMilliseconds;

        // The hot methods now wait for their optimized recompilation on the runtime's background thread:
        // let it finish before clients arrive (it stops growing when it has), within the same limit.
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quiet = 0;
        while (quiet < 3 && await PauseAsync(TimeSpan.FromMilliseconds(100), bound).ConfigureAwait(false))
        {
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }

        return (sent, requestsMs, loopback, connectStatus);
    }

    /// <summary>
    /// The same requests (without made-up keys) once more over real HTTP, on a loopback listener of the warm-up's own: an
    /// ephemeral port, closed before the server listens, whose gate lets only this start's own requests through
    /// (<see cref="LoopbackWarmupApplication{TContext}"/>). It runs what the in-memory requests cannot reach: Kestrel's
    /// connection, parsing and response code, the socket transport, and MVC reading a request body from Kestrel. None
    /// when the host has no socket transport (an in-memory test server); a listener that cannot be opened is skipped.
    /// </summary>
    private async Task<int> WarmOverLoopbackAsync<TContext>(IHttpApplication<TContext> application, string project, ClaimsPrincipal admin, CancellationToken bound)
        where TContext : notnull
    {
        if (services?.GetService<IConnectionListenerFactory>() is not { } transport || services.GetService<ILoggerFactory>() is not { } loggers)
        {
            return 0;
        }

        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        kestrel.Listen(IPAddress.Loopback, 0);
        var gate = new LoopbackWarmupApplication<TContext>(application, project, admin);
        using var server = new KestrelServer(Options.Create(kestrel), transport, loggers);
        try
        {
            await server.StartAsync(gate, bound).ConfigureAwait(false);
            var address = new Uri(server.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
            await SendRoundsAsync(LoopbackRounds, LoopbackCompilingRounds, madeUpKeys: 0,
                (request, asAdmin) => SendOverLoopbackAsync(client, request, asAdmin ? gate.AdminPass : gate.StrangerPass, bound), bound).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            LogLoopbackSkipped(logger, ex.GetType().Name);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return gate.Served;
    }

    /// <summary>
    /// The request set, <paramref name="rounds"/> times: each request as the stranger, then its twin without a key as
    /// the made-up admin. The first rounds compile every method of these paths (optimized: no quick JIT). The runtime
    /// counts calls of precompiled code towards its optimized recompilation only once no new method has been compiled
    /// for a moment (its call-counting delay, 100 ms by default): pause past it after <paramref name="compilingRounds"/>,
    /// then the counted rounds. Stops between requests when the limit comes.
    /// </summary>
    private static async Task SendRoundsAsync(int rounds, int compilingRounds, int madeUpKeys, Func<WarmupRequest, bool, Task> send, CancellationToken bound)
    {
        for (var round = 0; round < rounds && !bound.IsCancellationRequested; round++)
        {
            if (round == compilingRounds && !await PauseAsync(CallCountingPause, bound).ConfigureAwait(false))
            {
                break;
            }

            foreach (var request in RequestSet(round, madeUpKeys))
            {
                if (bound.IsCancellationRequested)
                {
                    break;
                }

                await send(request, false).ConfigureAwait(false);
                await send(request with { ApiKey = null }, true).ConfigureAwait(false);
            }
        }
    }

    private static async Task SendOverLoopbackAsync(HttpClient client, WarmupRequest warmup, string pass, CancellationToken bound)
    {
        using var request = new HttpRequestMessage(new HttpMethod(warmup.Method), warmup.Path + warmup.Query);
        request.Headers.Host = Host;
        request.Headers.Add(LoopbackWarmupApplication<object>.PassHeader, pass);
        if (warmup.Body is { } body)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, bound).ConfigureAwait(false);
        await response.Content.LoadIntoBufferAsync(bound).ConfigureAwait(false);
    }

    /// <summary>False when the limit came first.</summary>
    private static async Task<bool> PauseAsync(TimeSpan pause, CancellationToken bound)
    {
        try
        {
            await Task.Delay(pause, bound).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A project that exists nowhere: a new one at each start.</summary>
    internal static string MadeUpProjectId() => "warm-up." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>An admin of the made-up project, as the API-key handler would make it.</summary>
    private static ClaimsPrincipal MadeUpAdmin(string project) =>
        WearablesClaims.ToPrincipal(new CallerIdentity(project, Role.Admin, null, "warm-up"), "warm-up");

    /// <summary>One round: anonymous answers of the hot routes, a few made-up keys (first rounds only), health.</summary>
    internal static IEnumerable<WarmupRequest> RequestSet(int round, int madeUpKeys)
    {
        const string ConnectBody = "{\"patientId\":\"warm-up\"}";
        yield return new("POST", ConnectPath, "", ConnectBody, null);
        yield return new("POST", "/api/v1/users/warm-up/connections/" + WarmupStores.Provider + "/token", "", "{}", null);
        yield return new("GET", "/api/v1/users/warm-up/connections", "", null, null);
        yield return new("GET", "/v1/project/settings", "", null, null);
        yield return new("GET", "/v1/wearables/" + WarmupStores.Provider + "/callback", "?code=warm-up&state=" + MadeUpToken(48), null, null);
        yield return new("GET", "/health/live", "", null, null);
        yield return new("GET", "/warm-up/no-such-route", "", null, null);
        if (round < madeUpKeys)
        {
            yield return new("POST", ConnectPath, "", ConnectBody, "wk_" + MadeUpToken(32));
        }
    }

    private static string MadeUpToken(int bytes) => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Sends one request through the pipeline; its status code, or 0 when the pipeline threw.</summary>
    private static async Task<int> SendAsync<TContext>(IHttpApplication<TContext> application, WarmupRequest warmup, ClaimsPrincipal? user, string project, CancellationToken aborted)
        where TContext : notnull
    {
        using var scope = WarmupScope.Enter(project);
        var features = new FeatureCollection();
        var request = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = "http",
            Method = warmup.Method,
            PathBase = string.Empty,
            Path = warmup.Path,
            QueryString = warmup.Query,
            RawTarget = warmup.Path + warmup.Query,
            Body = Stream.Null,
        };
        request.Headers.Host = Host;
        if (warmup.Body is { } body)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(body);
            request.Body = new MemoryStream(bytes, writable: false);
            request.Headers.ContentType = "application/json";
            request.Headers.ContentLength = bytes.Length;
        }

        if (warmup.ApiKey is { } key)
        {
            request.Headers["X-API-Key"] = key;
        }

        using var responseBody = new MemoryStream();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(responseBody));
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = "warm-up",
            RemoteIpAddress = Address,
            RemotePort = 1,
            LocalIpAddress = IPAddress.Loopback,
            LocalPort = 0,
        });
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = aborted });
        features.Set<IHttpMaxRequestBodySizeFeature>(new BodySizeFeature());
        if (user is not null)
        {
            features.Set<IHttpAuthenticationFeature>(new HttpAuthenticationFeature { User = user });
        }

        var context = application.CreateContext(features);
        if (features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        Exception? failure = null;
        try
        {
            await application.ProcessRequestAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        var status = failure is null ? features.GetRequiredFeature<IHttpResponseFeature>().StatusCode : 0;
        application.DisposeContext(context, failure);
        return status;
    }

    [LoggerMessage(LogLevel.Information, "Request warm-up: {Requests} requests through the pipeline in {RequestsMs} ms, {LoopbackRequests} of them over loopback (the made-up admin's connect answered {ConnectStatus}), listening after {ElapsedMs} ms")]
    private static partial void LogWarmed(ILogger logger, int requests, long requestsMs, int loopbackRequests, int connectStatus, long elapsedMs);

    [LoggerMessage(LogLevel.Warning, "Request warm-up over loopback skipped ({ExceptionType})")]
    private static partial void LogLoopbackSkipped(ILogger logger, string exceptionType);

    [LoggerMessage(LogLevel.Warning, "Request warm-up stopped early ({ExceptionType}); listening anyway")]
    private static partial void LogFailed(ILogger logger, string exceptionType);

    private sealed class BodySizeFeature : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; }
    }

    internal sealed record WarmupRequest(string Method, string Path, string Query, string? Body, string? ApiKey);
}
