using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;
using Wearables.TestSupport;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>
/// The whole service in-process, configured only through its documented settings: a fresh data
/// directory, a random master key, a random bootstrap project with a known admin key, and in Redis
/// mode a dedicated redis-server (the bootstrap only happens on an empty key store).
/// Create with <see cref="StartAsync"/>; every log call of the host ends up in <see cref="Logs"/>.
/// </summary>
public sealed class WearablesApiFactory : WebApplicationFactory<Program>
{
    private const string KeyIdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    private readonly Dictionary<string, string?> extraSettings;
    private readonly bool ownsStore;

    /// <param name="mode">Embedded or Redis storage.</param>
    /// <param name="extraSettings">More configuration; a null value sets the key to empty.</param>
    /// <param name="storeOf">Share this factory's data directory and Redis (a second instance, or a restart), instead of fresh ones.</param>
    public WearablesApiFactory(StorageMode mode, IReadOnlyDictionary<string, string?>? extraSettings = null, WearablesApiFactory? storeOf = null)
    {
        Mode = mode;
        this.extraSettings = extraSettings is null ? [] : new Dictionary<string, string?>(extraSettings);
        ownsStore = storeOf is null;
        DataDirectory = storeOf?.DataDirectory ?? Path.Combine(Path.GetTempPath(), "wearables-api-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Redis = storeOf?.Redis;
        MasterKey = storeOf?.MasterKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        ProjectId = NewProjectId();
        AdminApiKey = NewApiKey();
    }

    public StorageMode Mode { get; }

    /// <summary>The bootstrap project.</summary>
    public string ProjectId { get; }

    /// <summary>The bootstrap admin key of <see cref="ProjectId"/>, as configured.</summary>
    public string AdminApiKey { get; }

    public string AdminApiKeyId => AdminApiKey[..11];

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "wearables.db");

    public string MasterKey { get; }

    /// <summary>The dedicated redis-server in Redis mode; null in Embedded mode.</summary>
    public RedisServer? Redis { get; private set; }

    public LogCapture Logs { get; } = new();

    /// <summary>Starts the dedicated Redis (Redis mode) and the host, so that the bootstrap key exists.</summary>
    public static async Task<WearablesApiFactory> StartAsync(
        StorageMode mode, IReadOnlyDictionary<string, string?>? extraSettings = null, WearablesApiFactory? storeOf = null)
    {
        var factory = new WearablesApiFactory(mode, extraSettings, storeOf);
        try
        {
            if (mode == StorageMode.Redis && factory.Redis is null)
            {
                factory.Redis = await RedisServer.StartNewAsync();
            }

            _ = factory.Server;
            return factory;
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
    }

    public static string NewProjectId() => "proj-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A key in the service's own format: <c>wk_</c> + 8 of [a-z2-9] + <c>_</c> + 43 base64url characters.</summary>
    public static string NewApiKey() =>
        "wk_" + RandomNumberGenerator.GetString(KeyIdAlphabet, 8) + "_"
        + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A client without any credentials.</summary>
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

    public HttpClient BootstrapAdmin() => WithApiKey(AdminApiKey);

    /// <summary>Issues a key straight through the service's DI (any project, e.g. a second tenant).</summary>
    public async Task<IssuedKey> IssueKeyAsync(string projectId, Role role, string? patientId = null, string name = "b")
    {
        await using var scope = Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>()
            .IssueAsync(projectId, role, patientId, name, CancellationToken.None);
        return new IssuedKey(issued.Key.Id, issued.Plaintext, projectId);
    }

    /// <summary>An admin of a brand-new project: a clean tenant for one test.</summary>
    public async Task<Tenant> NewTenantAsync()
    {
        var projectId = NewProjectId();
        var admin = await IssueKeyAsync(projectId, Role.Admin, name: "admin");
        return new Tenant(this, projectId, admin);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new Dictionary<string, string?>
        {
            ["Wearables:Storage"] = Mode.ToString(),
            ["Wearables:DataDirectory"] = DataDirectory,
            ["Wearables:Encryption:MasterKey"] = MasterKey,
            ["Wearables:Bootstrap:Project"] = ProjectId,
            ["Wearables:Bootstrap:AdminApiKey"] = AdminApiKey,
        };
        if (Mode == StorageMode.Redis)
        {
            settings["ConnectionStrings:Redis"] = (Redis ?? throw new InvalidOperationException("Redis mode: create the factory with StartAsync.")).ConnectionString;
        }

        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        TestHost.Configure(builder, settings);

        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!ownsStore)
        {
            return;
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

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

/// <summary>A key issued for a test; <see cref="Id"/> is its public prefix.</summary>
public sealed record IssuedKey(string Id, string Key, string ProjectId)
{
    public override string ToString() => $"IssuedKey {Id} ({ProjectId})";
}

/// <summary>A project with its admin key, and the factory to make clients with.</summary>
public sealed record Tenant(WearablesApiFactory Factory, string ProjectId, IssuedKey Admin)
{
    public HttpClient AdminClient() => Factory.WithApiKey(Admin.Key);

    public override string ToString() => $"Tenant {ProjectId}";
}
