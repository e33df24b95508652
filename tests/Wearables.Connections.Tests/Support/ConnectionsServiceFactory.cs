using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.ApiKeys;
using Wearables.Application.Connections;

namespace Wearables.Connections.Tests.Support;

/// <summary>
/// The service for the connection tests: the common test host with the given stores, no bootstrap
/// admin key (keys are issued per project), and Junction pointed at a fake with a 2 s timeout.
/// </summary>
public sealed class ConnectionsServiceFactory(
    StorageMode storage, ConnectionsMode connections, string? redis, Uri? fhirBase, Uri junctionBase, string junctionApiKey, IReadOnlyDictionary<string, string?>? settings = null)
    : WearablesServiceFactory(new WearablesServiceOptions
    {
        Storage = storage,
        Connections = connections,
        RedisConnectionString = redis,
        FhirBaseUrl = fhirBase,
        BootstrapAdminKey = null,
        Settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Wearables:Junction:BaseUrl"] = junctionBase.ToString(),
            ["Wearables:Junction:ApiKey"] = junctionApiKey,
            ["Wearables:Junction:TimeoutSeconds"] = "2",
            ["Serilog:MinimumLevel"] = "Warning",
        },
    })
{
    public static string NewPatientId() => "pat-" + Guid.NewGuid().ToString("N")[..12];

    public async Task RevokeKeyAsync(IssuedKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var scope = Services.CreateAsyncScope();
        var revoked = await scope.ServiceProvider.GetRequiredService<IApiKeyStore>()
            .RevokeAsync(key.ProjectId, key.Id, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.That(revoked, Is.True, "the key was revoked");
    }

    /// <summary>Runs <paramref name="work"/> with the service's own connection repository.</summary>
    public async Task<T> WithRepositoryAsync<T>(Func<IConnectionRepository, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IConnectionRepository>());
    }
}
