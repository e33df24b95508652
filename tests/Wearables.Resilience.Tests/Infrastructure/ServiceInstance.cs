using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Fakes;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>The common instance options, plus the fakes this instance talks to and where it serves.</summary>
public sealed record InstanceOptions : WearablesServiceOptions
{
    public required FakeStrava Strava { get; init; }

    public required FakePolar Polar { get; init; }

    public required FakeJunction Junction { get; init; }

    /// <summary>Serve on real Kestrel on this loopback port instead of TestServer (Kestrel enforces body and header limits).</summary>
    public int? KestrelPort { get; init; }
}

/// <summary>
/// One service instance (TestServer, or Kestrel on <see cref="InstanceOptions.KestrelPort"/>):
/// the common test host with <c>Wearables:PublicBaseUrl</c> = http://localhost, providers and
/// Junction pointed at the fakes with 2 s timeouts, and a probe on its pipeline.
/// </summary>
public sealed class ServiceInstance : WearablesServiceFactory
{
    public const string PublicBaseUrl = "http://localhost";

    private readonly InstanceOptions instance;

    private ServiceInstance(InstanceOptions options)
        : base(options)
    {
        instance = options;
        if (options.KestrelPort is { } port)
        {
            UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        }
    }

    /// <summary>Requests that reached the service, and exceptions that escaped its whole pipeline.</summary>
    public PipelineProbe Probe { get; } = new();

    /// <summary>Builds and starts the host (so that the bootstrap has run).</summary>
    public static ServiceInstance Start(InstanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = new ServiceInstance(options);
        if (options.KestrelPort is null)
        {
            _ = service.Server;
        }
        else
        {
            service.StartServer();
        }

        return service;
    }

    /// <summary>A client without credentials and without redirects or retries; <paramref name="timeout"/> bounds every call.</summary>
    public HttpClient Client(string? apiKey = null, TimeSpan? timeout = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri(PublicBaseUrl) });
        client.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        return client;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> InstanceSettings()
    {
        var o = instance;
        return new Dictionary<string, string?>(o.Strava.ServiceSettings().Concat(o.Polar.ServiceSettings()))
        {
            ["Wearables:PublicBaseUrl"] = PublicBaseUrl,
            ["Wearables:Providers:TimeoutSeconds"] = "2",
            ["Wearables:Junction:BaseUrl"] = o.Junction.BaseUrl.ToString(),
            ["Wearables:Junction:ApiKey"] = o.Junction.ApiKey,
            ["Wearables:Junction:TimeoutSeconds"] = "2",
            ["Wearables:Fhir:TimeoutSeconds"] = "5",

            // The console sink would print JSON lines per request (tens of thousands in the fuzz pass, among
            // them TestServer's "request body size limit could not be applied" warnings).
            ["Serilog:MinimumLevel"] = "Error",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Error",

            // The service's own categories at every level, so that the capture sees all they log.
            ["Logging:LogLevel:Wearables"] = "Trace",
        };
    }

    // The capture gets no filter rule of its own: it sees exactly what the service's logging
    // configuration lets through to any provider (Program.cs keeps the framework's request lines,
    // which carry the callback's query, below every provider's level).
    protected override void CaptureLogs(ILoggingBuilder logging) => logging.AddProvider(Logs);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton(Probe.Filter()));
    }
}

public static class Durations
{
    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
