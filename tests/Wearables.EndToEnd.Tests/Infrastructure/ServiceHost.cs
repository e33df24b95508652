using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;
using Wearables.TestSupport;

namespace Wearables.EndToEnd.Tests.Infrastructure;

public enum StorageMode
{
    Embedded,
    Redis,
}

public enum ConnectionsMode
{
    Embedded,
    Fhir,
}

/// <summary>Where the service's stores and providers are; everything else <see cref="ServiceHost"/> makes up.</summary>
public sealed record ServiceHostOptions(StorageMode Storage, ConnectionsMode Connections)
{
    /// <summary><c>ConnectionStrings:Redis</c> in Redis mode.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary><c>Wearables:Fhir:BaseUrl</c> in Fhir mode.</summary>
    public Uri? FhirBaseUrl { get; init; }

    /// <summary>Extra configuration (e.g. <c>Wearables:Providers:strava:TokenUrl</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// The real service on Kestrel, on a loopback port of its own, so that a real browser and real
/// provider redirects reach it. Configured only through its documented settings: its own URL as
/// <c>Wearables:PublicBaseUrl</c>, a fresh data directory, a random master key, a random bootstrap
/// project with a fixed admin key. Its <see cref="TimeProvider"/> is a <see cref="FakeTimeProvider"/>
/// starting at the real now (<see cref="Clock"/>); every log call lands in <see cref="Logs"/>.
/// </summary>
public sealed class ServiceHost : WebApplicationFactory<Program>
{
    private const string KeyIdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    private readonly ServiceHostOptions options;

    private ServiceHost(ServiceHostOptions options, int port)
    {
        this.options = options;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        DataDirectory = Path.Combine(Path.GetTempPath(), "wearables-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        UseKestrel(k => k.Listen(IPAddress.Loopback, port));
    }

    public int Port { get; }

    /// <summary>The service's own origin, also its <c>Wearables:PublicBaseUrl</c> (no trailing slash).</summary>
    public Uri BaseUrl { get; }

    public StorageMode Storage => options.Storage;

    public ConnectionsMode Connections => options.Connections;

    public string DataDirectory { get; }

    public string MasterKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string BootstrapProject { get; } = NewProjectId();

    /// <summary>The configured bootstrap admin key (only created when the key store is empty).</summary>
    public string BootstrapAdminKey { get; } = NewApiKey();

    /// <summary>The service's clock: starts at the real now and moves only when a test advances it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public LogCapture Logs { get; } = new();

    /// <summary>Starts the service on a free loopback port (trying another if that port was taken meanwhile).</summary>
    public static async Task<ServiceHost> StartAsync(ServiceHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var attempt = 1; ; attempt++)
        {
            var host = new ServiceHost(options, FreePort.Next());
            try
            {
                host.StartServer();
                return host;
            }
            catch (Exception ex) when (attempt < 3 && IsAddressInUse(ex))
            {
                await host.DisposeAsync();
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }
    }

    public static string NewProjectId() => "e2e-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A key in the service's own format: <c>wk_</c> + 8 of [a-z2-9] + <c>_</c> + 43 base64url characters.</summary>
    public static string NewApiKey() =>
        "wk_" + RandomNumberGenerator.GetString(KeyIdAlphabet, 8) + "_"
        + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Issues a key straight through the service's DI. Used instead of the bootstrap key because in
    /// Redis mode the shared server already holds keys, so the bootstrap does not happen.
    /// </summary>
    public async Task<string> IssueKeyAsync(string projectId, Role role, string? patientId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>()
            .IssueAsync(projectId, role, patientId, "e2e", CancellationToken.None);
        return issued.Plaintext;
    }

    /// <summary>
    /// Awaits <paramref name="work"/> while moving the fake clock forward, for code that waits on
    /// the service's <see cref="TimeProvider"/> (e.g. the retry delays when storing a connection).
    /// </summary>
    public async Task<T> AdvanceClockUntilDoneAsync<T>(Task<T> work, TimeSpan step)
    {
        ArgumentNullException.ThrowIfNull(work);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!work.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(work, Task.Delay(25));
            Clock.Advance(step);
        }

        return await work;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new Dictionary<string, string?>
        {
            ["Wearables:PublicBaseUrl"] = BaseUrl.ToString().TrimEnd('/'),
            ["Wearables:Storage"] = options.Storage.ToString(),
            ["Wearables:Connections"] = options.Connections.ToString(),
            ["Wearables:DataDirectory"] = DataDirectory,
            ["Wearables:Encryption:MasterKey"] = MasterKey,
            ["Wearables:Bootstrap:Project"] = BootstrapProject,
            ["Wearables:Bootstrap:AdminApiKey"] = BootstrapAdminKey,
        };
        if (options.Storage == StorageMode.Redis)
        {
            settings["ConnectionStrings:Redis"] = options.RedisConnectionString
                ?? throw new InvalidOperationException("Redis storage needs RedisConnectionString.");
        }

        if (options.Connections == ConnectionsMode.Fhir)
        {
            settings["Wearables:Fhir:BaseUrl"] = (options.FhirBaseUrl ?? throw new InvalidOperationException("Fhir connections need FhirBaseUrl.")).ToString();
        }

        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        TestHost.Configure(builder, settings);

        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        });

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
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

    private static bool IsAddressInUse(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
