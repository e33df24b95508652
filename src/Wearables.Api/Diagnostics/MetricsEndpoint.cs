using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Wearables.Application.Common.Metrics;
using Wearables.Infrastructure.Diagnostics;

namespace Wearables.Api.Diagnostics;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format (OpenTelemetry's exporter): ASP.NET Core's own request
/// histogram (<c>http_server_request_duration_seconds</c>, by route template, method and status; a
/// request that matched no route has no route label) and the <see cref="WearablesMetrics"/> meter.
/// Anonymous, like <c>/health</c>: no label carries a user, project, key, token or raw path. Who may read
/// it is decided by where it listens (<see cref="MetricsOptions.Port"/>). A scrape is rendered at most
/// once a second; faster scrapes get that copy, so it costs nothing to hammer.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static IServiceCollection AddWearablesMetrics(this IServiceCollection services, MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(WearablesMetrics.MeterName)
            .AddView(instrument => IsPublished(instrument) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 1000));
        services.AddSingleton<PendingStatesGauge>();
        return services;
    }

    /// <summary>The one instrument of ASP.NET Core's meters that <c>/metrics</c> publishes.</summary>
    public const string RequestDurationInstrument = "http.server.request.duration";

    /// <summary>
    /// What <c>/metrics</c> publishes: ASP.NET Core's request histogram and the service's own meter. The
    /// other instruments ASP.NET Core's instrumentation turns on (authentication and authorization
    /// attempts, rate-limiter leases, route matches, Kestrel connections, active requests, the memory
    /// pool) are dropped: they are not the documented set, and a dropped instrument is not listened to,
    /// so the requests do not pay for recording it (a token request's profile: 4.1 % of its samples in
    /// the metrics with them, 0.8 % without). A meter added to the provider later is dropped too until it is
    /// named here (and in the README's table).
    /// </summary>
    public static bool IsPublished(System.Diagnostics.Metrics.Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return string.Equals(instrument.Meter.Name, WearablesMetrics.MeterName, StringComparison.Ordinal)
            || (string.Equals(instrument.Meter.Name, "Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
                && string.Equals(instrument.Name, RequestDurationInstrument, StringComparison.Ordinal));
    }

    /// <summary>The scrape endpoint, as a branch before routing (it is not an API operation: no OpenAPI entry, no auth).</summary>
    public static void UseWearablesMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.Metrics;
        if (!options.Enabled)
        {
            return;
        }

        // Created now, so that the gauge is observed from the first scrape.
        _ = app.Services.GetService<PendingStatesGauge>();
        var port = options.Port;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == Path && (port is null || context.Connection.LocalPort == port));
    }
}
