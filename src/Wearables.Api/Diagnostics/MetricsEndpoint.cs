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
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 1000));
        services.AddSingleton<PendingStatesGauge>();
        return services;
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
