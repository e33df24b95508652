using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Tests.Providers;

/// <summary>Withings' token dialect read as the standard one, and JWT claims read as data only.</summary>
public sealed class TokenDialectTests
{
    private static readonly ProviderDescriptor Withings = Entry("withings");
    private static readonly ProviderDescriptor Whoop = Entry("whoop");

    [Test]
    public void Withings_Status0_IsTheBodysTokens()
    {
        var (status, body) = Normalize(Withings, HttpStatusCode.OK, """{"status":0,"body":{"userid":"363","access_token":"a","refresh_token":"r","expires_in":10800}}""");

        using (body)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body!.RootElement.GetProperty("access_token").GetString(), Is.EqualTo("a"));
            Assert.That(body.RootElement.GetProperty("userid").GetString(), Is.EqualTo("363"));
        }
    }

    [TestCase(401, "invalid_grant")]
    [TestCase(283, "invalid_grant")]
    [TestCase(503, "withings_status_503")]
    [TestCase(601, "withings_status_601")]
    public void Withings_AnErrorInsideHttp200_BecomesA400_InvalidGrantOnlyForTheRejectingStatuses(int withingsStatus, string error)
    {
        var (status, body) = Normalize(Withings, HttpStatusCode.OK, $$"""{"status":{{withingsStatus}},"body":{},"error":"x"}""");

        using (body)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body!.RootElement.GetProperty("error").GetString(), Is.EqualTo(error));
        }
    }

    [Test]
    public void AStandardProvider_IsLeftAsItAnswered_EvenWithAStatusField()
    {
        var (status, body) = Normalize(Whoop, HttpStatusCode.OK, """{"status":401,"access_token":"a"}""");

        using (body)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body!.RootElement.GetProperty("access_token").GetString(), Is.EqualTo("a"));
        }
    }

    [Test]
    public void JwtClaims_AreReadFromThePayload()
    {
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"sub":"u-1","user":"sam","exp":2000000000}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var claims = JwtClaims.Read($"eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln");

        Assert.That(claims!.RootElement.GetProperty("sub").GetString(), Is.EqualTo("u-1"));
    }

    [TestCase("0123456789abcdef")]
    [TestCase("a.b")]
    [TestCase("a.!!!.c")]
    [TestCase("a.bm90IGpzb24.c")]
    [TestCase("a.WzFd.c")]
    public void JwtClaims_OfATokenThatIsNoJwtWithAnObjectPayload_AreNull(string token) =>
        Assert.That(JwtClaims.Read(token), Is.Null);

    private static (HttpStatusCode, JsonDocument?) Normalize(ProviderDescriptor provider, HttpStatusCode status, string json) =>
        WithingsTokenDialect.Normalize(provider, status, JsonDocument.Parse(json));

    private static ProviderDescriptor Entry(string slug) =>
        new ConfiguredProviderCatalog(new ConfigurationBuilder().Build()).TryGet(slug, out var entry) ? entry : throw new AssertionException(slug);
}
