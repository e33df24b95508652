using System.Net;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Conventions;

/// <summary>nosniff on every answer, no-store on every answer that may carry project data, a framing-proof CSP on the OpenAPI UI.</summary>
[TestFixture(StorageMode.Embedded)]
public sealed class SecurityHeadersTests(StorageMode mode) : ApiFixture(mode)
{
    private static void AssertNosniffNoStore(HttpResponseMessage response)
    {
        Assert.That(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) ? string.Join(",", nosniff) : null, Is.EqualTo("nosniff"), response.RequestMessage?.RequestUri?.ToString());
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, response.RequestMessage?.RequestUri?.ToString());
    }

    [TestCase("GET", "/v1/project/settings")]
    [TestCase("GET", "/v1/api-keys")]
    [TestCase("GET", "/v1/wearables/strava/credentials")]
    [TestCase("GET", "/api/v1/users/pat-1/connections")]
    [TestCase("GET", "/v1/no-such-route")]
    [TestCase("PUT", "/v1/wearables/strava/credentials")]
    public async Task AuthenticatedAnswers_AndErrors_AreNosniff_AndNoStore(string method, string path)
    {
        var response = await Factory.BootstrapAdmin().SendAsync(new HttpMethod(method), path, method == "PUT" ? Http.RawJson("{") : null);

        AssertNosniffNoStore(response);
    }

    [Test]
    public async Task Unauthenticated401_IsNosniff_AndNoStore()
    {
        var response = await Factory.Anonymous().GetAsync("/v1/project/settings");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        AssertNosniffNoStore(response);
    }

    [Test]
    public async Task OpenApiUi_ForbidsFraming_AndIsNosniff()
    {
        var response = await Factory.Anonymous().GetAsync("/swagger/index.html");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var csp = response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(",", values) : string.Empty;
        Assert.That(csp, Does.Contain("frame-ancestors 'none'"));
        Assert.That(csp, Does.Contain("script-src 'self'"), "the UI's own scripts still run");
        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
    }
}
