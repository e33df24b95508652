using System.Net;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Tests.Providers;

/// <summary>How a provider's answer to a revocation is read, and where the catalog sends it.</summary>
public sealed class ProviderRevocationTests
{
    [TestCase(HttpStatusCode.OK, RevocationOutcome.Revoked)]
    [TestCase(HttpStatusCode.NoContent, RevocationOutcome.Revoked)]
    [TestCase(HttpStatusCode.Unauthorized, RevocationOutcome.AlreadyRevoked)]
    [TestCase(HttpStatusCode.NotFound, RevocationOutcome.AlreadyRevoked)]
    [TestCase(HttpStatusCode.BadRequest, RevocationOutcome.Refused)]
    [TestCase(HttpStatusCode.Forbidden, RevocationOutcome.Refused)]
    [TestCase(HttpStatusCode.RequestTimeout, RevocationOutcome.Unavailable)]
    [TestCase(HttpStatusCode.TooManyRequests, RevocationOutcome.Unavailable)]
    [TestCase(HttpStatusCode.InternalServerError, RevocationOutcome.Unavailable)]
    [TestCase(HttpStatusCode.BadGateway, RevocationOutcome.Unavailable)]
    [TestCase(HttpStatusCode.Found, RevocationOutcome.Unavailable)]
    public void Classify_ReadsTheStatus(HttpStatusCode status, RevocationOutcome expected) =>
        Assert.That(ProviderRevoker.Classify(status), Is.EqualTo(expected));

    [Test]
    public void OnlyUnavailable_IsWorthAnotherTry() =>
        Assert.That(Enum.GetValues<RevocationOutcome>().Where(o => !o.IsFinal()), Is.EqualTo(new[] { RevocationOutcome.Unavailable }));

    [Test]
    public void Catalog_RevokesStravaAtDeauthorize_AndPolarUnderItsApi()
    {
        var catalog = new ConfiguredProviderCatalog(new ConfigurationBuilder().Build());

        catalog.TryGet("strava", out var strava);
        catalog.TryGet("polar", out var polar);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(strava.RevokeUrl, Is.EqualTo(new Uri("https://www.strava.com/oauth/deauthorize")));
            Assert.That(strava.Revocation, Is.EqualTo(RevocationStyle.PostAccessToken));
            Assert.That(polar.RevokeUrl, Is.Null);
            Assert.That(polar.Revocation, Is.EqualTo(RevocationStyle.DeleteUser));
        }
    }

    [Test]
    public void Catalog_RevokeUrl_IsOverridable_AndMustBeAnHttpUrl()
    {
        var configured = new ConfiguredProviderCatalog(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Wearables:Providers:strava:RevokeUrl"] = "http://127.0.0.1:5555/sandbox/oauth/deauthorize",
        }).Build());
        configured.TryGet("strava", out var strava);
        Assert.That(strava.RevokeUrl, Is.EqualTo(new Uri("http://127.0.0.1:5555/sandbox/oauth/deauthorize")));

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Wearables:Providers:polar:RevokeUrl"] = "ftp://example/revoke",
        }).Build();
        Assert.That(() => new ConfiguredProviderCatalog(bad), Throws.InvalidOperationException.With.Message.Contains("polar:RevokeUrl"));
    }
}
