using Wearables.Application.Connections.Tokens;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Tokens;

/// <summary>Both refresh schedules: what is planned, what is forgotten, what is due (soonest first, at most the batch).</summary>
[TestFixture("Sqlite")]
[TestFixture("Redis")]
[TestFixture("RedisCluster")]
public sealed class RefreshScheduleTests(string kind)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private RedisServer? server;
    private RedisConnection? redis;
    private TempDirectory? directory;
    private IRefreshSchedule schedule = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (kind == "Redis")
        {
            server = await RedisServer.StartNewAsync();
            redis = new RedisConnection(server.ConnectionString);
            schedule = new RedisRefreshSchedule(redis);
        }
        else if (kind == "RedisCluster")
        {
            // One sorted set: the sweep reads it alone, so the cluster's other keys are no concern of it.
            var cluster = await RedisCluster.SharedAsync();
            await cluster.FlushAsync();
            redis = new RedisConnection(cluster.ConnectionString);
            schedule = new RedisRefreshSchedule(redis);
        }
        else
        {
            directory = new TempDirectory("refresh-schedule");
            var db = new SqliteDatabase(directory.File("wearables.db"));
            await db.IsHealthyAsync(CancellationToken.None);
            schedule = new SqliteRefreshSchedule(db);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        redis?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        directory?.Dispose();
    }

    [Test]
    public async Task Due_ListsRefreshableConnectionsExpiringBeforeTheMoment_SoonestFirst()
    {
        var project = "proj-" + Guid.NewGuid().ToString("N")[..8];
        var in5 = Active(project, "p1", T0.AddMinutes(5));
        var in10 = Active(project, "p2", T0.AddMinutes(10));
        var in60 = Active(project, "p3", T0.AddMinutes(60));
        var in7 = Active(project, "p6", T0.AddMinutes(7));
        var revoked = Active(project, "p4", T0.AddMinutes(1));
        var polar = Connection.Create(project, "p5", "polar", ConnectionSource.OAuth, T0);
        polar.Authorize(new OAuthGrant("a", null, T0.AddMinutes(1), null, null, null), "https://api", T0);
        foreach (var c in new[] { in10, in60, in7, in5, revoked, polar })
        {
            await schedule.PlanAsync(c, CancellationToken.None);
        }

        revoked.MarkExpired(T0);
        await schedule.PlanAsync(revoked, CancellationToken.None);
        in10.Refreshed(new OAuthGrant("a2", null, T0.AddHours(6), null, null, null), T0);
        await schedule.PlanAsync(in10, CancellationToken.None);

        var due = (await schedule.DueAsync(T0.AddMinutes(15), 100, CancellationToken.None)).Where(d => d.ProjectId == project).ToList();
        var first = await schedule.DueAsync(T0.AddMinutes(15), 1, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(due.Select(d => d.PatientId), Is.EqualTo(new[] { "p1", "p6" }), "soonest first; p2 was refreshed to 6 h, p3 is later, p4 expired, Polar has no refresh token");
            Assert.That(due[0], Is.EqualTo(new ScheduledRefresh(project, "p1", "strava", T0.AddMinutes(5))));
            Assert.That(first.Select(d => d.PatientId), Is.EqualTo(new[] { "p1" }), "at most the batch, the soonest");
        });
    }

    private static Connection Active(string project, string patient, DateTimeOffset expiresAt)
    {
        var connection = Connection.Create(project, patient, "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("a", "r", expiresAt, null, null, null), "https://api", T0);
        return connection;
    }
}
