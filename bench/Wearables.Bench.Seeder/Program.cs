// Seeds connections straight through the embedded connection repository (not through HTTP):
//   seeder <sqlite file> <project> <total connections>
// Ensures users bench-1 (1 connection), bench-10 (10) and bench-100 (100), then adds filler
// patients (4 providers each) until the table holds <total> connections, so that list latency can
// be compared at 1k vs 1M stored. Idempotent: a second run only tops up.
using System.Diagnostics;
using System.Globalization;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Sqlite;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: seeder <sqlite file> <project> <total connections>");
    return 2;
}

var db = new SqliteDatabase(args[0]);
var repository = new SqliteConnectionRepository(db, TimeProvider.System);
var project = args[1];
var total = int.Parse(args[2], CultureInfo.InvariantCulture);
var started = Stopwatch.StartNew();
var now = DateTimeOffset.UtcNow;
string[] fillerProviders = ["strava", "polar", "garmin", "oura"];

Task<long> CountAsync(string where) => db.RunAsync(async c =>
{
    await using var count = c.CreateCommand();
    count.CommandText = "SELECT COUNT(*) FROM connections" + where;
    return Convert.ToInt64(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
}, CancellationToken.None);

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

var stored = await CountAsync(string.Empty);
var next = await CountAsync(" WHERE patient_id LIKE 'filler-%'");
while (stored < total)
{
    await SaveAsync("filler-" + (next / 4).ToString(CultureInfo.InvariantCulture), fillerProviders[next % 4], next);
    next++;
    stored++;
    if (next % 100_000 == 0)
    {
        Console.Error.WriteLine($"seeded {stored} in {started.Elapsed.TotalSeconds:0}s");
    }
}

Console.WriteLine($"{stored} connections stored ({started.Elapsed.TotalSeconds:0.0}s)");
return 0;
