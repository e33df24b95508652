using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Providers;

namespace Wearables.Bench.Endpoint;

/// <summary>
/// One OAuth connection with every field a Strava connection has (both token envelopes, scope,
/// username, expiry, last sync): the largest Endpoint the service writes. Min and median beside
/// the mean: on a shared machine the mean is mostly the neighbours.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class EndpointBenchmarks
{
    private readonly EndpointCodec codec = new(new ConfiguredProviderCatalog(new ConfigurationBuilder().Build()));
    private Connection connection = null!;
    private string json = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);
        // Every field set, as a store restores a synced Strava connection (no use case syncs yet).
        connection = Connection.Restore(new ConnectionSnapshot(
            Connection.IdFor("proj-bench", "pat-bench-1", "strava"), "proj-bench", "pat-bench-1", "strava", ConnectionSource.OAuth,
            ConnectionStatus.Active, null, "12345678", "john_runner", "read,activity:read_all", "https://www.strava.com/api/v3",
            "wv1.k1." + new string('A', 120), "wv1.k1." + new string('R', 120), now.AddHours(6), now.AddMinutes(5),
            now, now, now.AddMinutes(5), null));
        json = Encode();
    }

    /// <summary>As the embedded store saves: named by the connection id, with its version and time.</summary>
    [Benchmark]
    public string Encode() => codec.Encode(connection, connection.Id.ToString("D"), "2", connection.UpdatedAt);

    [Benchmark]
    public Connection Decode() => EndpointCodec.Decode(json, "2");
}
