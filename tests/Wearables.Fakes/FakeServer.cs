using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Wearables.Fakes;

/// <summary>
/// An in-process Kestrel app on 127.0.0.1 standing in for a third-party service.
/// State (codes, tokens, users) lives on this object, so it survives <see cref="StopAsync"/> and a later restart.
/// </summary>
public abstract class FakeServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private Uri? _baseUrl;
    private int _boundPort;
    private int _disposed;

    protected FakeServer(TimeProvider? timeProvider)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Clock used for code and token expiry.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Loopback address to listen on (any of 127.0.0.0/8): a second one is "another host" to a client.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>Port to bind on the first start; 0 picks a free one. Restarts reuse the port first bound.</summary>
    public int Port { get; set; }

    /// <summary>Failures of every token and API endpoint (those marked <c>AffectedByMode</c>), checked before the endpoint runs.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Shorthand for <see cref="FaultPlan.Mode"/> of <see cref="Faults"/>.</summary>
    public FakeMode Mode
    {
        get => Faults.Mode;
        set => Faults.Mode = value;
    }

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> of <see cref="FakeMode.TooManyRequests"/> answers.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Off for long-running processes (benchmarks), where an ever-growing log would only leak memory.</summary>
    public bool RecordRequests { get; set; } = true;

    public bool IsRunning => _app is not null;

    /// <summary>Root of the fake, always ending with a slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException($"{GetType().Name} has not been started.");

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public void ClearRequests() => _requests.Clear();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_app is not null)
            {
                return;
            }

            var app = BuildApp(_boundPort != 0 ? _boundPort : Port);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var address = app.Services.GetRequiredService<IServer>().Features
                .Get<IServerAddressesFeature>()!.Addresses.First();
            var bound = new Uri(address);
            _boundPort = bound.Port;
            _baseUrl = new Uri($"http://{ListenAddress}:{bound.Port}/");
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Closes the listener so the fake looks unreachable; <see cref="StartAsync"/> brings it back on the same URL.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_app is null)
            {
                return;
            }

            var app = _app;
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Absolute URL of a path under <see cref="BaseUrl"/>, e.g. <c>Url("oauth/token")</c>.</summary>
    protected Uri Url(string relativePath) => new(BaseUrl, relativePath);

    protected abstract void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>
    /// Routes under <c>/__fake/</c> for scripts that run the fakes as a separate process and cannot read this
    /// object (the benchmarks). Not part of any provider's API; the fakes listen on loopback only.
    /// </summary>
    private protected virtual void MapAdminEndpoints(IEndpointRouteBuilder endpoints)
    {
    }

    private WebApplication BuildApp(int port)
    {
        // The empty builder reads no appsettings.json or ASPNETCORE_* variables, which in a test
        // output folder would belong to the service under test and could rebind or re-log the fake.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = GetType().Name });
        builder.WebHost.UseKestrelCore().UseUrls($"http://{ListenAddress}:{port}");
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        app.UseRouting();
        app.Use(RecordAsync);
        app.Use(ApplyModeAsync);
        MapEndpoints(app);
        MapAdminEndpoints(app);
        return app;
    }

    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        if (RecordRequests)
        {
            _requests.Enqueue(await RequestRecorder.CaptureAsync(context, TimeProvider).ConfigureAwait(false));
        }

        await next(context).ConfigureAwait(false);
    }

    private async Task ApplyModeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ModeAffected>() is null
            || !await AnswerFaultAsync(context, Faults).ConfigureAwait(false))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Applies the next mode of <paramref name="plan"/> to this call.</summary>
    /// <returns>True when the call has been answered (a failure, or a slow wait cut short); false to answer it normally.</returns>
    private protected async Task<bool> AnswerFaultAsync(HttpContext context, FaultPlan plan)
    {
        switch (plan.Take())
        {
            case FakeMode.ServerError:
                await Respond.TextAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error").ConfigureAwait(false);
                return true;
            case FakeMode.Garbage:
                await Respond.TextAsync(context, StatusCodes.Status200OK, "<html>oops").ConfigureAwait(false);
                return true;
            case FakeMode.TooManyRequests:
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Respond.TextAsync(context, StatusCodes.Status429TooManyRequests, "Too Many Requests").ConfigureAwait(false);
                return true;
            case FakeMode.Slow:
                return !await DelayAsync(context).ConfigureAwait(false);
            default:
                return false;
        }
    }

    /// <returns>False when the wait was cut short by the client leaving or the fake stopping.</returns>
    private async Task<bool> DelayAsync(HttpContext context)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            // Real time on purpose: a test's fake clock drives expiry, not how long a hung upstream takes.
            await Task.Delay(SlowDelay, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            // Dropping the connection keeps a pending slow request from holding up StopAsync.
            context.Abort();
            return false;
        }
    }
}
