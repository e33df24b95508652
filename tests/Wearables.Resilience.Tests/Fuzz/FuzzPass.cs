using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Wearables.Domain.Security;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>
/// At least 10,000 generated malformed requests (fixed seed) across every endpoint, callers of every
/// role and none, through one TestServer client: zero 5xx, zero exceptions out of the service, zero
/// hangs, zero accepted writes, nothing stored (API snapshots and the raw store compared before and
/// after), and the service still live at the end. Every fifth request carries a signed JWT with odd
/// role/project/patient claims (<see cref="JwtFuzzer"/>): those that name no single caller are 401s, and
/// admin routes answer 2xx only to exactly one admin of one project. Embedded storage, then again on Redis.
/// </summary>
[TestFixture(StorageMode.Embedded, 20261122, 10_000)]
[TestFixture(StorageMode.Redis, 20261123, 10_000)]
[Category("Fuzz")]
[NonParallelizable]
public sealed class FuzzPass(StorageMode storage, int seed, int requests)
{
    private static readonly string[] ListedPatients = ["pat-a1", "pat-b1", "p1", "pat-404", "pat-1"];

    [Test]
    public async Task MalformedRequests_NeverAnswer5xx_NeverStoreAnything_AndTheServiceStaysUp()
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        var redis = storage == StorageMode.Redis ? await RedisServer.StartNewAsync() : null;
        try
        {
            // JWT authentication on (HS256, a key of this run), so that every fifth request can carry a signed token with odd claims.
            var signingKey = RandomNumberGenerator.GetBytes(64);
            var jwtSettings = new Dictionary<string, string?>
            {
                ["Wearables:Auth:Jwt:Issuer"] = JwtFuzzer.Issuer,
                ["Wearables:Auth:Jwt:Audience"] = JwtFuzzer.Audience,
                ["Wearables:Auth:Jwt:SigningKey"] = Convert.ToBase64String(signingKey),
            };
            await using var service = ServiceInstance.Start(fakes.Options() with { Storage = storage, RedisConnectionString = redis?.ConnectionString, Settings = jwtSettings });

            // Project A: fresh, nothing configured. Project B: strava on with credentials, polar on without, one redirect origin.
            var projectA = WearablesServiceFactory.NewProjectId();
            var projectB = WearablesServiceFactory.NewProjectId();
            var targets = new FuzzTargets(
                (await service.IssueKeyAsync(projectA, Role.Admin, name: "fuzz admin")).Key,
                (await service.IssueKeyAsync(projectA, Role.Service, name: "fuzz service")).Key,
                (await service.IssueKeyAsync(projectA, Role.Patient, "pat-a1", "fuzz patient")).Key,
                "pat-a1",
                (await service.IssueKeyAsync(projectB, Role.Admin, name: "fuzz admin")).Key,
                (await service.IssueKeyAsync(projectB, Role.Service, name: "fuzz service")).Key,
                (await service.IssueKeyAsync(projectB, Role.Patient, "pat-b1", "fuzz patient")).Key,
                "pat-b1",
                projectA,
                projectB);
            using (var adminB = service.Client(targets.AdminB))
            {
                await Http.ConfigureStravaAsync(adminB, fakes.Strava, RequestFuzzer.AllowedOrigin);
                await Http.Expect(adminB.SendAsync(HttpMethod.Put, "/v1/project/settings/WEARABLE_POLAR_ENABLED", new { value = true }), 200);
            }

            var jwtFuzzer = new JwtFuzzer(seed + 1, targets, signingKey);
            var apiBefore = await ApiSnapshotAsync(service, targets, jwtFuzzer);
            var storeBefore = await StoreFingerprint.ReadAsync(service);
            Assert.That(apiBefore, Does.Contain("credentials/strava → 200 {\"configured\":false"), "project A starts unconfigured");
            progress.WriteLine($"[fuzz {storage}] seed {seed}; project A {projectA} (empty), project B {projectB} (strava on + credentials, polar on, origin {RequestFuzzer.AllowedOrigin}); "
                + $"store fingerprint before: {StoreFingerprint.Hash(storeBefore)}");

            service.Logs.MinimumLevel = LogLevel.Information;
            var fuzzer = new RequestFuzzer(seed, targets);
            var runner = new FuzzRunner(service);
            var report = new FuzzReport();
            var clock = Stopwatch.StartNew();
            var jwtSent = 0;
            var jwtAdminsAuthenticated = 0;
            for (var i = 0; report.SentCount < requests; i++)
            {
                if (report.Unsendable > requests)
                {
                    Assert.Fail("The client library refused most generated requests: " + report.Summary());
                }

                var outcome = await runner.SendAsync(i % 5 == 4 ? jwtFuzzer.Next(i) : fuzzer.Next(i));
                report.Add(outcome);
                if (!outcome.Unsendable && outcome.Request.Caller.StartsWith("jwt", StringComparison.Ordinal))
                {
                    jwtSent++;
                    jwtAdminsAuthenticated += outcome.Request.AdminSuccessAllowed && outcome.Status is not (401 or 403) ? 1 : 0;
                }

                if (i % 1000 == 999)
                {
                    progress.WriteLine($"[fuzz {storage}] … {report.SentCount} sent, {report.Findings.Count} findings, {clock.Elapsed.TotalSeconds:0.0} s");
                }
            }

            var elapsed = clock.Elapsed;
            using var anonymous = service.Client();
            var live = await anonymous.SendAsync(HttpMethod.Get, "/health/live");
            var ready = await anonymous.SendAsync(HttpMethod.Get, "/health/ready");
            var apiAfter = await ApiSnapshotAsync(service, targets, jwtFuzzer);
            var storeAfter = await StoreFingerprint.ReadAsync(service);

            var errors = service.Logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
            var keys = new[] { targets.AdminA, targets.ServiceA, targets.PatientA, targets.AdminB, targets.ServiceB, targets.PatientB };
            var keyLeaks = service.Logs.Containing(keys.Concat(keys.Select(k => k[12..])));
            var findings = report.Findings;

            progress.WriteLine($"[fuzz {storage}] {report.SentCount} requests in {elapsed.TotalSeconds:0.0} s ({report.SentCount / elapsed.TotalSeconds:0} req/s):");
            progress.WriteLine(report.Summary());
            progress.WriteLine($"[fuzz {storage}] signed JWTs sent: {jwtSent}; of them well-formed admins answered past authentication: {jwtAdminsAuthenticated}");
            progress.WriteLine($"[fuzz {storage}] findings: {findings.Count}; exceptions escaped the pipeline: {service.Probe.Escaped.Count}; error log entries: {errors.Count}; "
                + $"log entries with an API key: {keyLeaks.Count}; /health/live → {live.Status}, /health/ready → {ready.Status}; "
                + $"store fingerprint after: {StoreFingerprint.Hash(storeAfter)} ({(storeAfter == storeBefore ? "unchanged" : "CHANGED")})");
            foreach (var group in findings.GroupBy(f => f.Request.Endpoint + " " + Category(f.Finding!)).Take(20))
            {
                progress.WriteLine($"  FINDING ×{group.Count()} {group.Key}");
                foreach (var finding in group.Take(3))
                {
                    progress.WriteLine($"    {finding.Request.Describe()}");
                    progress.WriteLine($"      → {finding.Finding}");
                }
            }

            foreach (var entry in errors.Take(5))
            {
                progress.WriteLine($"  ERROR LOG {entry}");
            }

            if (storeAfter != storeBefore)
            {
                var added = storeAfter.Split('\n').Except(storeBefore.Split('\n'), StringComparer.Ordinal).Take(10);
                progress.WriteLine("  store lines added or changed:\n    " + string.Join("\n    ", added.Select(l => l.Length > 300 ? l[..300] + "…" : l)));
            }

            Assert.Multiple(() =>
            {
                Assert.That(report.SentCount, Is.GreaterThanOrEqualTo(requests), "requests sent");
                Assert.That(jwtSent, Is.GreaterThanOrEqualTo(requests / 6), "requests with a signed JWT sent");
                Assert.That(jwtAdminsAuthenticated, Is.GreaterThan(0), "well-formed admin JWTs got past authentication (the fuzz service does verify them)");
                Assert.That(findings.Where(f => f.Status >= 500).Select(f => f.Request.Describe() + " → " + f.Finding).Take(25), Is.Empty, "no 5xx");
                Assert.That(findings.Where(f => f.Status == 0).Select(f => f.Request.Describe() + " → " + f.Finding).Take(25), Is.Empty, "no exception out of the service");
                Assert.That(service.Probe.Escaped.Take(25), Is.Empty, "no exception escaped the service's pipeline");
                Assert.That(findings.Select(f => f.Request.Describe() + " → " + f.Finding).Take(25), Is.Empty, "no finding at all (5xx, hang, accepted malformed write, exception details)");
                Assert.That(live.Status, Is.EqualTo(200), "the service still answers /health/live");
                Assert.That(ready.Status, Is.EqualTo(200), "and /health/ready");
                Assert.That(apiAfter, Is.EqualTo(apiBefore), "credentials, settings, API keys and connections as the API shows them: unchanged");
                Assert.That(storeAfter, Is.EqualTo(storeBefore), "the raw store: unchanged (nothing stored, nothing revoked, no OAuth state)");
                Assert.That(errors.Select(e => e.ToString()).Take(10), Is.Empty, "no error logged");
                Assert.That(keyLeaks.Select(l => l.Entry.ToString()).Take(10), Is.Empty, "no API key in any log entry");
            });
        }
        finally
        {
            if (redis is not null)
            {
                await redis.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// What the admins of A and B see (through their API keys), and the admins of the projects only JWTs
    /// name (through a well-formed token): credentials, settings, keys, and the connections of a few users (404s).
    /// </summary>
    private static async Task<string> ApiSnapshotAsync(ServiceInstance service, FuzzTargets targets, JwtFuzzer jwt)
    {
        var lines = new List<string>();
        var admins = new[] { ("A", targets.AdminA, false), ("B", targets.AdminB, false) }
            .Concat(JwtFuzzer.OtherProjects.Select(p => (p, jwt.AdminToken(p), true)));
        foreach (var (project, key, bearer) in admins)
        {
            using var admin = service.Client(bearer ? null : key);
            if (bearer)
            {
                admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }

            foreach (var path in new[] { "/v1/wearables/strava/credentials", "/v1/wearables/polar/credentials", "/v1/project/settings", "/v1/api-keys" }
                .Concat(ListedPatients.Select(p => $"/api/v1/users/{p}/connections")))
            {
                var answer = await admin.SendAsync(HttpMethod.Get, path);
                var body = answer.IsProblem ? answer.Error : answer.Body;
                lines.Add($"{project} {path.Replace("/v1/wearables/", "credentials/", StringComparison.Ordinal).Replace("/credentials", string.Empty, StringComparison.Ordinal)} → {answer.Status} {body}");
            }
        }

        return string.Join('\n', lines);
    }

    private static string Category(string finding) => finding.Split(':')[0].Split(' ').Take(3) is var words ? string.Join(' ', words) : finding;
}
