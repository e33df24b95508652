using System.Net;
using System.Text.Json;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Tests.Tokens;

/// <summary>Only invalid_grant (or Strava's equivalent) is a refused grant; everything else is transient.</summary>
public sealed class RefreshRejectionTests
{
    [TestCase("strava", 400, """{"error":"invalid_grant"}""")]
    [TestCase("polar", 400, """{"error":"invalid_grant","error_description":"revoked"}""")]
    [TestCase("strava", 400, """{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}""")]
    public void GrantRejected(string provider, int status, string body) =>
        Assert.That(RefreshRejection.IsGrantRejected(provider, (HttpStatusCode)status, JsonDocument.Parse(body)), Is.True);

    [TestCase("strava", 401, """{"error":"invalid_grant"}""", TestName = "invalid_grant with 401 is not RFC 6749's answer")]
    [TestCase("strava", 400, """{"error":"invalid_request"}""")]
    [TestCase("strava", 400, """{"error":"invalid_client"}""")]
    [TestCase("strava", 400, """{"message":"Bad Request","errors":[{"resource":"Application","field":"grant_type","code":"invalid"}]}""")]
    [TestCase("polar", 400, """{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}""", TestName = "Strava's shape counts only for Strava")]
    [TestCase("strava", 429, """{"message":"Rate Limit Exceeded"}""")]
    [TestCase("strava", 400, """["invalid_grant"]""")]
    [TestCase("strava", 400, """{"error":{"code":"invalid_grant"}}""")]
    public void Transient(string provider, int status, string body) =>
        Assert.That(RefreshRejection.IsGrantRejected(provider, (HttpStatusCode)status, JsonDocument.Parse(body)), Is.False);

    [Test]
    public void NoBody_IsTransient() =>
        Assert.That(RefreshRejection.IsGrantRejected("strava", HttpStatusCode.BadRequest, null), Is.False);
}
