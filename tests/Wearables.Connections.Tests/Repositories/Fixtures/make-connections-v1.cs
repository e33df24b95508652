#:project ../../../../src/Wearables.Infrastructure/Wearables.Infrastructure.csproj
#:property PublishAot=false
// Made connections-v1.db once, with the code of commit 84256a7 (the hand-written Endpoint model,
// schema user_version 1), so that later builds can prove they still read what that build wrote:
//   git worktree add /tmp/v1 84256a7
//   cp make-connections-v1.cs /tmp/v1/tests/Wearables.Connections.Tests/Repositories/Fixtures/
//   dotnet run /tmp/v1/tests/Wearables.Connections.Tests/Repositories/Fixtures/make-connections-v1.cs -- connections-v1.db
// It is kept as the record of how the file was made, not built with the tests (it needs that
// commit's constructors); ConnectionsV1FileTests states what each row must read back as.
using Microsoft.Data.Sqlite;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Sqlite;

var path = Path.GetFullPath(args[0]);
if (File.Exists(path))
{
    throw new InvalidOperationException(path + " exists");
}

var t0 = new DateTimeOffset(2024, 1, 10, 8, 0, 0, 123, TimeSpan.Zero);
var repository = new SqliteConnectionRepository(new SqliteDatabase(path), new FixedTime(t0.AddDays(30)));
const string Project = "proj-fixture-v1";
var saved = new List<Connection>();

async Task SaveAsync(Connection connection)
{
    await repository.SaveAsync(connection, CancellationToken.None);
    saved.Add(connection);
}

// pat-a: Strava with both tokens, scope and username, synced, saved twice (version 2).
var strava = Connection.Create(Project, "pat-a", "strava", ConnectionSource.OAuth, t0);
strava.Authorize(new OAuthGrant("wv1.k1.fixture-access-strava", "wv1.k1.fixture-refresh-strava", t0.AddHours(6), "read,activity:read_all", "12345678", "john_runner"), "https://www.strava.com/api/v3", t0.AddMinutes(1));
await repository.SaveAsync(strava, CancellationToken.None);
strava.MarkSynced(t0.AddDays(2).AddMilliseconds(456));
await SaveAsync(strava);

// pat-a: Polar without a refresh token or username, never synced.
var polar = Connection.Create(Project, "pat-a", "polar", ConnectionSource.OAuth, t0);
polar.Authorize(new OAuthGrant("wv1.k1.fixture-access-polar", null, t0.AddYears(1), "accesslink.read_all", "87654321", null), "https://www.polaraccesslink.com/v3", t0.AddMinutes(2));
await SaveAsync(polar);

// pat-a: a Junction link, connected, never synced.
var oura = Connection.Create(Project, "pat-a", "oura", ConnectionSource.Junction, t0);
oura.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000001", LinkStatus.Connected, "https://api.tryvital.io/", t0.AddMinutes(3));
await SaveAsync(oura);

// pat-b: a revoked Strava connection (synced before), an expired Polar one, a Junction link in error.
var revoked = Connection.Create(Project, "pat-b", "strava", ConnectionSource.OAuth, t0);
revoked.Authorize(new OAuthGrant("wv1.k1.fixture-access-revoked", "wv1.k1.fixture-refresh-revoked", t0.AddHours(6), "read", "11111111", "runner_b"), "https://www.strava.com/api/v3", t0.AddMinutes(4));
revoked.MarkSynced(t0.AddDays(1));
revoked.MarkRevoked(t0.AddDays(3));
await SaveAsync(revoked);

var expired = Connection.Create(Project, "pat-b", "polar", ConnectionSource.OAuth, t0);
expired.Authorize(new OAuthGrant("wv1.k1.fixture-access-expired", "wv1.k1.fixture-refresh-expired", t0.AddHours(1), "accesslink.read_all", "22222222", null), "https://www.polaraccesslink.com/v3", t0.AddMinutes(5));
expired.MarkSynced(t0.AddHours(12));
expired.MarkExpired(t0.AddDays(4));
await SaveAsync(expired);

var garmin = Connection.Create(Project, "pat-b", "garmin", ConnectionSource.Junction, t0);
garmin.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000002", LinkStatus.Error, "https://api.tryvital.io/", t0.AddMinutes(6));
garmin.MarkSynced(t0.AddHours(5));
await SaveAsync(garmin);

// pat-c: an OAuth grant that named no user, no scope and no expiry.
var bare = Connection.Create(Project, "pat-c", "strava", ConnectionSource.OAuth, t0);
bare.Authorize(new OAuthGrant("wv1.k1.fixture-access-bare", null, null, null, null, null), "https://www.strava.com/api/v3", t0.AddMinutes(7));
await SaveAsync(bare);

// The same patient id in another project.
var other = Connection.Create("proj-fixture-other", "pat-a", "strava", ConnectionSource.OAuth, t0);
other.Authorize(new OAuthGrant("wv1.k1.fixture-access-other", null, null, "read", "33333333", null), "https://www.strava.com/api/v3", t0.AddMinutes(8));
await SaveAsync(other);

// One file, no -wal beside it: close the repository's pooled connections, fold the log in and
// leave WAL mode, so that the file can be copied alone.
SqliteConnection.ClearAllPools();
using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
{
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; VACUUM;";
    command.ExecuteNonQuery();
}

foreach (var c in saved)
{
    Console.WriteLine($"{c.Id:D} {c.ProjectId}/{c.PatientId}/{c.Provider} version {c.Version}");
}

sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
