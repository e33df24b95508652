using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>Configuration mistakes stop the start with a message that says what to set (mission "Configuration").</summary>
public sealed class StartupConfigurationTests
{
    /// <summary>The start-up failure, or null when the service started (then <paramref name="afterStart"/> says what a first real request got).</summary>
    private static Exception? StartFailure(IReadOnlyDictionary<string, string?> settings, out string afterStart)
    {
        using var factory = new WearablesApiFactory(StorageMode.Embedded, settings);
        afterStart = string.Empty;
        try
        {
            using var client = factory.WithBearer(factory.BootstrapAdminKey);
            _ = client.GetAsync("/health/live").GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            return ex;
        }

        // It started: show what the mistake costs later, so the failure message explains itself.
        using var admin = factory.BootstrapAdmin();
        var response = admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = "abcdXY34", clientSecret = "s" })).GetAwaiter().GetResult();
        afterStart = $"; it started, and a first credentials PUT answered {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}";
        return null;
    }

    private static string Messages(Exception ex)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            text.Append(e.Message).Append(" | ");
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    text.Append(Messages(inner));
                }
            }
        }

        return text.ToString();
    }

    [Test]
    public void MissingMasterKey_OutsideDevelopment_StopsTheStart()
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Encryption:MasterKey"] = null }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started without an encryption master key" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:Encryption:MasterKey"));
    }

    [Test]
    public void MissingPublicBaseUrl_OutsideDevelopment_StopsTheStart()
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:PublicBaseUrl"] = null }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started without a public base URL" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:PublicBaseUrl"));
    }

    [TestCase("not a url")]
    [TestCase("ftp://wearables.example")]
    public void MalformedPublicBaseUrl_StopsTheStart(string value)
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:PublicBaseUrl"] = value }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started with a malformed public base URL" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:PublicBaseUrl"));
    }

    [TestCase("bm90LTMyLWJ5dGVz")]
    [TestCase("not base64 at all!")]
    public void MalformedMasterKey_StopsTheStart(string value)
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Encryption:MasterKey"] = value }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started with an unusable master key" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:Encryption:MasterKey"));
    }

    [Test]
    public void MalformedBootstrapKey_StopsTheStart()
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Bootstrap:AdminApiKey"] = "has a space" }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:Bootstrap:AdminApiKey"));
    }

    [Test]
    public async Task OperatorChosenBootstrapKey_IsTheAdminKey()
    {
        using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?> { ["Wearables:Bootstrap:AdminApiKey"] = "operator-admin-key-1-0123456789abcdef" });
        using var admin = factory.WithApiKey("operator-admin-key-1-0123456789abcdef");
        using var bearer = factory.WithBearer("operator-admin-key-1-0123456789abcdef");

        var put = await admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = "abcdXY34", clientSecret = "s" }));
        var get = await bearer.GetAsync("/v1/wearables/strava/credentials");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)put.StatusCode, Is.EqualTo(200));
            Assert.That((int)get.StatusCode, Is.EqualTo(200));
        }
    }

    [TestCase("short-admin-1")]
    [TestCase("QQ")]
    [TestCase("0123456789abcdef0123456789abcde")] // 31 characters
    public void AShortOperatorChosenBootstrapKey_OutsideDevelopment_StopsTheStart_WithoutQuotingIt(string key)
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Bootstrap:AdminApiKey"] = key }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started with a short operator-chosen admin key" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:Bootstrap:AdminApiKey").And.Contain("32"));
        Assert.That(Messages(failure!), Does.Not.Contain(key));
    }

    [Test]
    public async Task AShortOperatorChosenBootstrapKey_InDevelopment_IsAccepted_WithAWarningThatDoesNotCarryIt()
    {
        using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?>
        {
            ["environment"] = "Development",
            ["Wearables:Bootstrap:AdminApiKey"] = "short-admin-1",
        });
        using var admin = factory.WithApiKey("short-admin-1");

        Assert.That((int)(await admin.GetAsync("/v1/project/settings")).StatusCode, Is.EqualTo(200));
        var warnings = factory.Logs.Entries.Where(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("bootstrap admin key is short", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(warnings, Has.Count.EqualTo(1));
            Assert.That(warnings.Select(w => w.AllText), Has.None.Contains("short-admin-1"));
        }
    }

    [Test]
    public async Task ALongOperatorChosenBootstrapKey_GetsNoWarning()
    {
        var key = "operator-" + new string('k', 40);
        using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?> { ["Wearables:Bootstrap:AdminApiKey"] = key });
        using var admin = factory.WithApiKey(key);

        Assert.That((int)(await admin.GetAsync("/v1/project/settings")).StatusCode, Is.EqualTo(200));
        Assert.That(factory.Logs.Entries.Select(e => e.Message), Has.None.Contains("bootstrap admin key is short"));
    }

    [Test]
    public void ShortJwtSigningKey_StopsTheStart()
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Auth:Jwt:SigningKey"] = Convert.ToBase64String(new byte[16]) }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started with a 16-byte JWT signing key" + later);
        Assert.That(Messages(failure!), Does.Contain("Wearables:Auth:Jwt:SigningKey"));
    }

    [Test]
    public void RedisStorage_WithoutAConnectionString_StopsTheStart()
    {
        var failure = StartFailure(new Dictionary<string, string?> { ["Wearables:Storage"] = "Redis" }, out var later);

        Assert.That(failure, Is.Not.Null, "the service started" + later);
        Assert.That(Messages(failure!), Does.Contain("ConnectionStrings:Redis"));
    }
}
