// Seeds connections straight through the embedded connection repository (not through HTTP):
//   seeder <sqlite file> <project> <total> <patients-with-1,10,100>
// Creates users bench-1 (1 connection), bench-10 (10), bench-100 (100) and fills up to <total>
// connections with other patients, so that list latency can be compared at 1k vs 1M stored.
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
var written = await db.RunAsync(async c =>
{
    await using var count = c.CreateCommand();
    count.CommandText = "SELECT COUNT(*) FROM connections";
    return Convert.ToInt32(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
}, CancellationToken.None);
var now = DateTimeOffset.UtcNow;

async Task SaveAsync(string patient, string provider)
{
    var connection = Connection.Create(project, patient, provider, ConnectionSource.OAuth, now);
    connection.Authorize(new OAuthGrant("wv1.k1.bench-access", "wv1.k1.bench-refresh", now.AddHours(6), "read", written.ToString(CultureInfo.InvariantCulture), null), "https://www.strava.com/api/v3", now);
    await repository.SaveAsync(connection, CancellationToken.None).ConfigureAwait(false);
    written++;
}

// Idempotent: a second run only tops up to <total>.
foreach (var size in written == 0 ? new[] { 1, 10, 100 } : [])
{
    for (var i = 0; i < size; i++)
    {
        await SaveAsync($"bench-{size}", $"provider_{i}");
    }
}

// The rest: 4 providers per patient. Sequential: SQLite has one writer anyway.
string[] providers = ["strava", "polar", "garmin", "oura"];
var filler = Math.Max(0, (written - 111) / 4) + 1;
while (written < total)
{
    var patient = "filler-" + (filler++).ToString(CultureInfo.InvariantCulture);
    foreach (var provider in providers.Take(Math.Min(4, total - written)))
    {
        await SaveAsync(patient, provider);
    }

    if (filler % 25_000 == 0)
    {
        Console.Error.WriteLine($"seeded {written} in {started.Elapsed.TotalSeconds:0}s");
    }
}

Console.WriteLine($"seeded {written} connections in {started.Elapsed.TotalSeconds:0.0}s");
return 0;
