using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>What several instances share: a Redis server of its own (stopped on dispose) and the run's FHIR engine.</summary>
public sealed class SharedStores : IAsyncDisposable
{
    private SharedStores(RedisServer redis, FhirServer fhir)
    {
        Redis = redis;
        Fhir = fhir;
    }

    public RedisServer Redis { get; }

    public FhirServer Fhir { get; }

    public static async Task<SharedStores> StartAsync()
    {
        var redis = await RedisServer.StartNewAsync();
        return new SharedStores(redis, await FhirServer.SharedAsync());
    }

    /// <summary>Instance options on these stores (Redis storage, FHIR connections), pointed at <paramref name="fakes"/>.</summary>
    public InstanceOptions Options(ThirdParties fakes)
    {
        ArgumentNullException.ThrowIfNull(fakes);
        return fakes.Options() with
        {
            Storage = StorageMode.Redis,
            RedisConnectionString = Redis.ConnectionString,
            Connections = ConnectionsMode.Fhir,
            FhirBaseUrl = Fhir.BaseUrl,
        };
    }

    public ValueTask DisposeAsync() => Redis.DisposeAsync();
}
