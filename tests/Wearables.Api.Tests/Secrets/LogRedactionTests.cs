using System.Net;
using Microsoft.Extensions.Logging;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Secrets;

/// <summary>Logs carry identifiers and outcomes, never secrets, keys or payloads (style.md habit 6).</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class LogRedactionTests(StorageMode mode) : ApiFixture(mode)
{
    private readonly string clientId = "LOGCANARY-client-" + Guid.NewGuid().ToString("N");
    private readonly string clientSecret = "LOGCANARY-secret-" + Guid.NewGuid().ToString("N");
    private readonly string webhookSecret = "LOGCANARY-webhook-" + Guid.NewGuid().ToString("N");
    private readonly string wrongKey = WearablesApiFactory.NewApiKey();
    private readonly List<string> keys = [];
    private string projectId = string.Empty;

    /// <summary>One realistic session with recognizable secrets: good writes, refused writes, bad keys.</summary>
    [OneTimeSetUp]
    public async Task RunASessionAsync()
    {
        var tenant = await Factory.NewTenantAsync();
        projectId = tenant.ProjectId;
        var admin = tenant.AdminClient();
        keys.Add(tenant.Admin.Key);
        keys.Add(Factory.BootstrapAdminKey);
        const string path = "/v1/wearables/strava/credentials";

        await (await admin.PutAsync(path, Http.Json(new { clientId, clientSecret, webhookSecret }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await Factory.WithBearer(tenant.Admin.Key).PutAsync(path, Http.Json(new { clientId, clientSecret, webhookSecret }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await admin.GetAsync(path)).ExpectJsonAsync(HttpStatusCode.OK);

        // Refused writes quote the secrets in their bodies: they must not end up in logs either.
        await admin.PutAsync(path, Http.Json(new { clientId, clientSecret = clientSecret + "\u0000", webhookSecret }));
        await admin.PutAsync(path, Http.Json(new { clientId = clientId + "\n", clientSecret, webhookSecret }));
        await admin.PutAsync(path, Http.RawJson($$"""{"clientId":"{{clientId}}","clientSecret":"{{clientSecret}}","webhookSecret":{{webhookSecret}}"""));
        await admin.PutAsync("/v1/wearables/coros/credentials", Http.Json(new { clientId, clientSecret, webhookSecret })); // an unknown provider
        await admin.PutAsync("/v1/project/settings/WEARABLE_REDIRECT_ORIGINS", Http.Json(new { value = "https://" + clientSecret + ".example/path" }));

        var created = await ApiKeys.CreateAsync(admin, "service");
        keys.Add(created.Key);
        await Factory.WithApiKey(created.Key).PutAsync(path, Http.Json(new { clientId, clientSecret }));
        await Factory.WithApiKey(wrongKey).GetAsync(path);
        await Factory.WithBearer(wrongKey).GetAsync(path);
        await ApiKeys.RevokeAsync(admin, created.Id);
        await Factory.WithApiKey(created.Key).GetAsync(path);
    }

    [Test]
    public void TheSessionWasLogged()
    {
        Assert.That(Factory.Logs.Entries, Has.Count.GreaterThan(10));
        Assert.That(Factory.Logs.Entries.Any(e => e.Category.StartsWith("Wearables", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public void NoLogEntry_ContainsTheCredentials()
    {
        var leaks = Factory.Logs.Entries
            .Where(e => e.AllText.Contains(clientSecret, StringComparison.Ordinal)
                || e.AllText.Contains(webhookSecret, StringComparison.Ordinal)
                || e.AllText.Contains(clientId, StringComparison.Ordinal)
                || e.AllText.Contains("LOGCANARY", StringComparison.Ordinal))
            .Select(e => e.AllText).ToList();

        Assert.That(leaks, Is.Empty);
    }

    [Test]
    public void NoLogEntry_ContainsAnApiKey()
    {
        var secrets = keys.Append(wrongKey).SelectMany(k => new[] { k, k[12..] }).ToList();

        var leaks = Factory.Logs.Entries.Where(e => secrets.Any(s => e.AllText.Contains(s, StringComparison.Ordinal))).Select(e => e.AllText).ToList();

        Assert.That(leaks, Is.Empty);
    }

    [Test]
    public void RequestLines_CarryMethodPathStatusAndRequestId()
    {
        var lines = Factory.Logs.Entries
            .Where(e => e.Category == Wearables.Api.Logging.RequestLogging.Category && e["Path"] == "/v1/wearables/strava/credentials")
            .ToList();

        Assert.That(lines, Is.Not.Empty);
        Assert.That(lines.Select(l => (l["Method"], l["StatusCode"])), Does.Contain(("PUT", "200")).And.Contain(("PUT", "422")).And.Contain(("GET", "401")).And.Contain(("PUT", "403")));
        foreach (var line in lines)
        {
            Assert.That(line.Level, Is.EqualTo(LogLevel.Information));
            Assert.That(line["RequestId"], Is.Not.Null.And.Not.Empty, line.ToString());
            Assert.That(line.Message, Does.Contain(line["Method"]!).And.Contain(line["Path"]!).And.Contain(line["StatusCode"]!), "the rendered line says it too");
        }

        Assert.That(lines.Select(l => l["RequestId"]).Distinct().Count(), Is.EqualTo(lines.Count), "one request id per request");
    }

    [Test]
    public void EntriesLoggedDuringARequest_CarryItsRequestIdInScope()
    {
        var useCaseLines = Factory.Logs.Entries.Where(e => e.Category.StartsWith("Wearables.Application", StringComparison.Ordinal)).ToList();

        Assert.That(useCaseLines, Is.Not.Empty);
        Assert.That(useCaseLines.Where(e => e.Scopes.All(s => s.Key != "RequestId")), Is.Empty, "use-case logs are correlated with their request");
    }

    [Test]
    public void NoLogEntry_ContainsAStackTraceAboveWarning_ForExpectedRefusals()
    {
        var errors = Factory.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.ToString()).ToList();

        Assert.That(errors, Is.Empty, "refusals (4xx) are not errors");
    }

    [Test]
    public void NoLogEntry_ContainsTheMasterKey()
    {
        Assert.That(Factory.Logs.Entries.Where(e => e.AllText.Contains(Factory.MasterKey, StringComparison.Ordinal)), Is.Empty);
        Assert.That(projectId, Is.Not.Empty);
    }
}
