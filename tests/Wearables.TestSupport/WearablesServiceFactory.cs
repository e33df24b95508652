using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;

namespace Wearables.TestSupport;

/// <summary>
/// The whole service in-process, configured only through its documented settings (see
/// <see cref="WearablesServiceOptions"/>): a data directory of its own (created here, deleted on
/// dispose) unless it shares another's, a random master key, a random bootstrap project and admin
/// key. Every log call of the host lands in <see cref="Logs"/>. Test projects derive from it only
/// for what is their own (real Kestrel ports, fakes wired in, a fake clock).
/// </summary>
public abstract class WearablesServiceFactory : WebApplicationFactory<Program>
{
    private const string KeyIdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    private readonly TempDirectory? ownDataDirectory;

    protected WearablesServiceFactory(WearablesServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if (options.DataDirectory is null)
        {
            ownDataDirectory = new TempDirectory("wearables-tests");
        }

        DataDirectory = options.DataDirectory ?? ownDataDirectory!.Path;
    }

    public WearablesServiceOptions Options { get; }

    public StorageMode Storage => Options.Storage;

    public ConnectionsMode Connections => Options.Connections;

    public string DataDirectory { get; }

    /// <summary>The embedded store's SQLite file.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "wearables.db");

    public string MasterKey => Options.MasterKey;

    public string BootstrapProject => Options.BootstrapProject;

    /// <summary>The configured bootstrap admin key (only created when the key store is empty).</summary>
    public string BootstrapAdminKey => Options.BootstrapAdminKey ?? throw new InvalidOperationException("This instance has no bootstrap admin key configured.");

    /// <summary>The public prefix (id) of <see cref="BootstrapAdminKey"/>.</summary>
    public string BootstrapAdminKeyId => BootstrapAdminKey[..11];

    public LogCapture Logs { get; } = new();

    public static string NewProjectId() => "proj-" + Guid.NewGuid().ToString("N")[..12];

    public static string NewMasterKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A key in the service's own format: <c>wk_</c> + 8 of [a-z2-9] + <c>_</c> + 43 base64url characters.</summary>
    public static string NewApiKey() =>
        "wk_" + RandomNumberGenerator.GetString(KeyIdAlphabet, 8) + "_"
        + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A client without any credentials that does not follow redirects.</summary>
    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>A client sending <c>X-API-Key</c>.</summary>
    public HttpClient WithApiKey(string key)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    /// <summary>A client sending <c>Authorization: Bearer</c> (an API key or a JWT).</summary>
    public HttpClient WithBearer(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Issues a key straight through the service's DI, for any project (also where the bootstrap
    /// did not happen because a shared key store already held keys).
    /// </summary>
    public async Task<IssuedKey> IssueKeyAsync(string projectId, Role role, string? patientId = null, string? name = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>()
            .IssueAsync(projectId, role, patientId, name ?? $"{role} key for tests", CancellationToken.None);
        return new IssuedKey(issued.Key.Id, issued.Plaintext, projectId);
    }

    /// <summary>Configuration of this kind of instance, between the common settings and <see cref="WearablesServiceOptions.Settings"/>.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> InstanceSettings() => [];

    /// <summary>How <see cref="Logs"/> is attached; by default it sees every level of every category.</summary>
    protected virtual void CaptureLogs(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddProvider(Logs);
        logging.AddFilter<LogCapture>(null, LogLevel.Trace);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var o = Options;
        var settings = new Dictionary<string, string?>
        {
            ["Wearables:Storage"] = o.Storage.ToString(),
            ["Wearables:Connections"] = o.Connections.ToString(),
            ["Wearables:DataDirectory"] = DataDirectory,
            ["Wearables:Encryption:MasterKey"] = o.MasterKey,
            ["Wearables:Bootstrap:Project"] = o.BootstrapProject,

            // Every test client is one address (loopback): the per-address limits of the unauthenticated
            // routes are out of the way unless a test sets its own (Wearables:Limits:*, over these).
            ["Wearables:Limits:Callback:PermitsPerMinute"] = "1000000",
            ["Wearables:Limits:Health:PermitsPerMinute"] = "1000000",
            ["Wearables:Limits:Webhook:PermitsPerMinute"] = "1000000",
            ["Wearables:Limits:AuthFailures:PermitLimit"] = "1000000",

            // The test server's own base (required outside Development); instances that listen elsewhere override it.
            ["Wearables:PublicBaseUrl"] = "http://localhost",
        };
        if (o.BootstrapAdminKey is not null)
        {
            settings["Wearables:Bootstrap:AdminApiKey"] = o.BootstrapAdminKey;
        }

        if (o.Storage == StorageMode.Redis)
        {
            settings["ConnectionStrings:Redis"] = o.RedisConnectionString ?? throw new InvalidOperationException("Redis storage needs RedisConnectionString.");

            // A shared Redis of the test run holds instances of many master keys (isolated by project),
            // which the start-up key check would rightly refuse; tests of the check turn it on.
            settings["Wearables:Encryption:KeyCheck"] = "false";
        }

        if (o.Connections == ConnectionsMode.Fhir)
        {
            settings["Wearables:Fhir:BaseUrl"] = (o.FhirBaseUrl ?? throw new InvalidOperationException("Fhir connections need FhirBaseUrl.")).ToString();
        }

        foreach (var (key, value) in InstanceSettings().Concat(o.Settings))
        {
            settings[key] = value;
        }

        TestHost.Configure(builder, settings);
        builder.ConfigureLogging(CaptureLogs);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            // Also closes the pooled SQLite connections, which hold the files open.
            ownDataDirectory?.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
