using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.Api.Tests.Outbound;

/// <summary>
/// Issue 12, item 6, live: a FHIR server that answers 307 to another loopback host (127.0.0.2). The
/// service must not follow it, so that host never sees the request or our bearer token.
/// </summary>
public sealed class FhirRedirectTests
{
    [Test]
    public async Task Fhir_307ToAnotherHost_IsNotFollowed_AndTheOtherHostSeesNothing()
    {
        var token = "fhir-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        await using var otherHost = new FakeRedirector(null) { ListenAddress = "127.0.0.2" };
        await otherHost.StartAsync();
        await using var fhir = new FakeRedirector(otherHost.BaseUrl);
        await fhir.StartAsync();
        await using var factory = await WearablesApiFactory.StartAsync(StorageMode.Embedded, new Dictionary<string, string?>
        {
            ["Wearables:Connections"] = "Fhir",
            ["Wearables:Fhir:BaseUrl"] = new Uri(fhir.BaseUrl, "fhir/").ToString(),
            ["Wearables:Fhir:BearerToken"] = token,
        });
        using var admin = factory.BootstrapAdmin();

        var response = await admin.GetAsync("/api/v1/users/p-1/connections");

        Assert.That((int)response.StatusCode, Is.EqualTo(StatusCodes.Status503ServiceUnavailable).Or.EqualTo(StatusCodes.Status502BadGateway), await response.Content.ReadAsStringAsync());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fhir.Requests.Select(r => r.Header("Authorization")), Is.Not.Empty.And.All.EqualTo("Bearer " + token), "the FHIR calls went out with the token");
            Assert.That(otherHost.Requests, Is.Empty, "the redirect was not followed");
        }
    }
}
