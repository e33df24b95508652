using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;
using Wearables.Fakes;

namespace Wearables.Resilience.Tests.Infrastructure;

public enum Storage
{
    Embedded,
    Redis,
}

public enum ConnectionStore
{
    Embedded,
    Fhir,
}

/// <summary>How one service instance is wired: stores, fakes, and what it shares with other instances.</summary>
public sealed record InstanceOptions
{
    public Storage Storage { get; init; } = Storage.Embedded;

    public ConnectionStore Connections { get; init; } = ConnectionStore.Embedded;

    /// <summary><c>ConnectionStrings:Redis</c> when <see cref="Storage"/> is Redis.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary><c>Wearables:Fhir:BaseUrl</c> when <see cref="Connections"/> is Fhir.</summary>
    public Uri? FhirBaseUrl { get; init; }

    public required FakeStrava Strava { get; init; }

    public required FakePolar Polar { get; init; }

    public required FakeJunction Junction { get; init; }

    /// <summary>Instances that share stores must share the master key (credentials and tokens are encrypted with it).</summary>
    public string MasterKey { get; init; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string BootstrapProject { get; init; } = Keys.NewProjectId();

    public string BootstrapAdminKey { get; init; } = Keys.NewApiKey();

    /// <summary>Serve on real Kestrel on this loopback port instead of TestServer (Kestrel enforces body and header limits).</summary>
    public int? KestrelPort { get; init; }

    /// <summary>Extra configuration, applied last.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// One service instance in-process (TestServer), configured only through its documented settings:
/// a fresh temp data directory, <c>Wearables:PublicBaseUrl</c> = http://localhost, providers and
/// Junction pointed at the fakes with 2 s timeouts. Every log call lands in <see cref="Logs"/>.
/// </summary>
public sealed class ServiceInstance : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "http://localhost";

    private ServiceInstance(InstanceOptions options)
    {
        Options = options;
        DataDirectory = Path.Combine(Path.GetTempPath(), "wearables-resilience", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        if (options.KestrelPort is { } port)
        {
            UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        }
    }

    public InstanceOptions Options { get; }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "wearables.db");

    public LogCapture Logs { get; } = new();

    /// <summary>Requests that reached the service, and exceptions that escaped its whole pipeline.</summary>
    public PipelineProbe Probe { get; } = new();

    public string BootstrapProject => Options.BootstrapProject;

    public string BootstrapAdminKey => Options.BootstrapAdminKey;

    /// <summary>Builds and starts the host (so that the bootstrap has run).</summary>
    public static ServiceInstance Start(InstanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var instance = new ServiceInstance(options);
        if (options.KestrelPort is null)
        {
            _ = instance.Server;
        }
        else
        {
            instance.StartServer();
        }

        return instance;
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

    /// <summary>Issues a key through the service's own DI.</summary>
    public async Task<string> IssueKeyAsync(string projectId, Role role, string? patientId = null, string name = "resilience")
    {
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>().IssueAsync(projectId, role, patientId, name, CancellationToken.None);
        return issued.Plaintext;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var o = Options;
        var settings = new Dictionary<string, string?>
        {
            ["Wearables:PublicBaseUrl"] = PublicBaseUrl,
            ["Wearables:Storage"] = o.Storage.ToString(),
            ["Wearables:Connections"] = o.Connections.ToString(),
            ["Wearables:DataDirectory"] = DataDirectory,
            ["Wearables:Encryption:MasterKey"] = o.MasterKey,
            ["Wearables:Bootstrap:Project"] = o.BootstrapProject,
            ["Wearables:Bootstrap:AdminApiKey"] = o.BootstrapAdminKey,
            ["Wearables:Providers:TimeoutSeconds"] = "2",
            ["Wearables:Providers:strava:AuthorizeUrl"] = o.Strava.AuthorizeUrl.ToString(),
            ["Wearables:Providers:strava:TokenUrl"] = o.Strava.TokenUrl.ToString(),
            ["Wearables:Providers:strava:ApiBaseUrl"] = o.Strava.ApiBaseUrl.ToString(),
            ["Wearables:Providers:polar:AuthorizeUrl"] = o.Polar.AuthorizeUrl.ToString(),
            ["Wearables:Providers:polar:TokenUrl"] = o.Polar.TokenUrl.ToString(),
            ["Wearables:Providers:polar:ApiBaseUrl"] = o.Polar.ApiBaseUrl.ToString(),
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
        if (o.Storage == Storage.Redis)
        {
            settings["ConnectionStrings:Redis"] = o.RedisConnectionString ?? throw new InvalidOperationException("Redis storage needs RedisConnectionString.");
        }

        if (o.Connections == ConnectionStore.Fhir)
        {
            settings["Wearables:Fhir:BaseUrl"] = (o.FhirBaseUrl ?? throw new InvalidOperationException("Fhir connections need FhirBaseUrl.")).ToString();
        }

        foreach (var (key, value) in o.Settings)
        {
            settings[key] = value;
        }

        TestHost.Configure(builder, settings);

        // The capture gets no filter rule of its own: it sees exactly what the service's logging
        // configuration lets through to any provider (Program.cs keeps the framework's request lines,
        // which carry the callback's query, below every provider's level).
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));

        builder.ConfigureServices(services => services.AddSingleton(Probe.Filter()));
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }
}

public static class Keys
{
    private const string KeyIdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string NewProjectId() => "res-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A key in the service's own format: <c>wk_</c> + 8 of [a-z2-9] + <c>_</c> + 43 base64url characters.</summary>
    public static string NewApiKey() =>
        "wk_" + RandomNumberGenerator.GetString(KeyIdAlphabet, 8) + "_"
        + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
