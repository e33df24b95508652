using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.ApiKeys;
using Wearables.Application.Connections;
using Wearables.Domain.Security;

namespace Wearables.Connections.Tests.Support;

/// <summary>
/// The whole service in-process, configured only through its documented settings: a fresh data
/// directory, a random master key and bootstrap project, the given stores and a Junction base URL.
/// </summary>
public sealed class ConnectionsServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    public ConnectionsServiceFactory(StorageMode storage, ConnectionsMode connections, string? redis, Uri? fhirBase, Uri junctionBase, string junctionApiKey)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "wearables-connections-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        settings = new Dictionary<string, string?>
        {
            ["Wearables:Storage"] = storage.ToString(),
            ["Wearables:Connections"] = connections.ToString(),
            ["Wearables:DataDirectory"] = DataDirectory,
            ["Wearables:Encryption:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Wearables:Bootstrap:Project"] = NewProjectId(),
            ["Wearables:Junction:BaseUrl"] = junctionBase.ToString(),
            ["Wearables:Junction:ApiKey"] = junctionApiKey,
            ["Wearables:Junction:TimeoutSeconds"] = "2",
            ["Serilog:MinimumLevel"] = "Warning",
        };
        if (storage == StorageMode.Redis)
        {
            settings["ConnectionStrings:Redis"] = redis ?? throw new ArgumentNullException(nameof(redis));
        }

        if (connections == ConnectionsMode.Fhir)
        {
            settings["Wearables:Fhir:BaseUrl"] = (fhirBase ?? throw new ArgumentNullException(nameof(fhirBase))).ToString();
        }
    }

    public string DataDirectory { get; }

    public static string NewProjectId() => "proj-" + Guid.NewGuid().ToString("N")[..12];

    public static string NewPatientId() => "pat-" + Guid.NewGuid().ToString("N")[..12];

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public HttpClient WithApiKey(string key)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    /// <summary>Issues a key through the service's own DI, for any project.</summary>
    public async Task<IssuedApiKey> IssueKeyAsync(string projectId, Role role, string? patientId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>()
            .IssueAsync(projectId, role, patientId, $"{role} key for tests", CancellationToken.None);
    }

    public async Task RevokeKeyAsync(IssuedApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var scope = Services.CreateAsyncScope();
        var revoked = await scope.ServiceProvider.GetRequiredService<IApiKeyStore>()
            .RevokeAsync(key.Key.ProjectId, key.Key.Id, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.That(revoked, Is.True, "the key was revoked");
    }

    /// <summary>Runs <paramref name="work"/> with the service's own connection repository.</summary>
    public async Task<T> WithRepositoryAsync<T>(Func<IConnectionRepository, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IConnectionRepository>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");

        // UseSetting (not ConfigureAppConfiguration): Program reads its configuration before Build().
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
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
