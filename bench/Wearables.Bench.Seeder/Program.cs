// Seeds connections straight through a connection repository (not through HTTP):
//   seeder <sqlite file> <project> <total connections>       the embedded SqliteConnectionRepository
//   seeder fhir <base url> <project> <total connections>     FhirConnectionRepository on a FHIR server
// Ensures users bench-1 (1 connection), bench-10 (10) and bench-100 (100), then adds filler
// patients (4 providers each) until the project holds <total> connections, so that list latency can
// be compared at 1k vs many stored. Idempotent: a second run only tops up.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Fhir;
using Wearables.Infrastructure.Providers;
using Wearables.Infrastructure.Sqlite;

var fhir = args.Length == 4 && args[0] == "fhir";
if (args.Length != 3 && !fhir)
{
    Console.Error.WriteLine("usage: seeder <sqlite file> <project> <total connections>\n       seeder fhir <base url> <project> <total connections>");
    return 2;
}

var rest = fhir ? args[1..] : args;
var project = rest[1];
var total = long.Parse(rest[2], CultureInfo.InvariantCulture);
var started = Stopwatch.StartNew();
var now = DateTimeOffset.UtcNow;
string[] fillerProviders = ["strava", "polar", "garmin", "oura"];
const int BenchConnections = 1 + 10 + 100;

var codec = new EndpointCodec(new ConfiguredProviderCatalog(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
IConnectionRepository repository;
Func<Task<long>> countStored;
Func<Task<long>> countFiller;
int parallelism;
using var http = fhir ? new HttpClient { BaseAddress = new Uri(rest[0].TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) } : null;
if (http is not null)
{
    repository = new FhirConnectionRepository(http, codec, NullLogger<FhirConnectionRepository>.Instance);
    countStored = async () =>
    {
        // The project's Endpoints (the same _tag the repository writes); the engine answers the count alone.
        var query = "Endpoint?_summary=count&_tag=" + Uri.EscapeDataString(EndpointCodec.ProjectTagSystem + "|" + project);
        using var bundle = JsonDocument.Parse(await http.GetStringAsync(query).ConfigureAwait(false));
        return bundle.RootElement.GetProperty("total").GetInt64();
    };

    // Only the seeder writes this project: what is not a bench user's connection is filler.
    countFiller = async () => await countStored().ConfigureAwait(false) - BenchConnections;

    // The engine handles one request at a time; a few in flight keep it busy while the seeder builds the next.
    parallelism = 8;
}
else
{
    var db = new SqliteDatabase(rest[0]);
    repository = new SqliteConnectionRepository(db, codec, TimeProvider.System);
    Task<long> CountAsync(string where) => db.RunAsync(async c =>
    {
        await using var count = c.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM connections" + where;
        return Convert.ToInt64(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }, CancellationToken.None);
    countStored = () => CountAsync(string.Empty);
    countFiller = () => CountAsync(" WHERE patient_id LIKE 'filler-%'");

    // SQLite takes one writer at a time: more would only wait on its lock.
    parallelism = 1;
}

async Task SaveAsync(string patient, string provider, long n)
{
    var connection = Connection.Create(project, patient, provider, ConnectionSource.OAuth, now);
    connection.Authorize(new OAuthGrant("wv1.k1.bench-access", "wv1.k1.bench-refresh", now.AddHours(6), "read", n.ToString(CultureInfo.InvariantCulture), null), "https://www.strava.com/api/v3", now);
    await repository.SaveAsync(connection, CancellationToken.None).ConfigureAwait(false);
}

foreach (var size in new[] { 1, 10, 100 })
{
    for (var i = 0; i < size; i++)
    {
        var provider = $"provider_{i}";
        if (await repository.FindAsync(project, $"bench-{size}", provider, CancellationToken.None) is null)
        {
            await SaveAsync($"bench-{size}", provider, i);
        }
    }
}

var stored = await countStored();
var next = await countFiller();
var missing = Math.Max(0, total - stored);
var report = Math.Max(1000, missing / 10);
long done = 0;
await Parallel.ForEachAsync(
    Enumerable.Range(0, (int)missing).Select(i => next + i),
    new ParallelOptions { MaxDegreeOfParallelism = parallelism },
    async (n, _) =>
    {
        await SaveAsync("filler-" + (n / 4).ToString(CultureInfo.InvariantCulture), fillerProviders[n % 4], n);
        if (Interlocked.Increment(ref done) % report == 0)
        {
            Console.Error.WriteLine($"seeded {stored + Interlocked.Read(ref done)} in {started.Elapsed.TotalSeconds:0}s");
        }
    });

Console.WriteLine($"{await countStored()} connections stored ({started.Elapsed.TotalSeconds:0.0}s)");
return 0;
