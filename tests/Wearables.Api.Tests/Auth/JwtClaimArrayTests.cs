using System.Net;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Domain.Security;

namespace Wearables.Api.Tests.Auth;

/// <summary>
/// A signed JWT whose <c>role</c>, <c>project</c> or <c>patient</c> claim holds several values (an array,
/// even of one value twice) names no single caller: 401, and nothing is written. So does one that is not
/// one JSON string (a one-value array, an object, a number, null, an empty array) or a key given twice.
/// </summary>
[TestFixture(StorageMode.Embedded)]
public sealed class JwtClaimArrayTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Credentials = "/v1/wearables/strava/credentials";
    private readonly Jwt jwt = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => jwt.Settings;

    public static IEnumerable<TestCaseData> MultiValuedClaims()
    {
        yield return Case("role [patient, admin]", p => new { role = new[] { "patient", "admin" }, project = p, patient = "pat-1" });
        yield return Case("role [service, admin]", p => new { role = new[] { "service", "admin" }, project = p });
        yield return Case("role [admin, service]", p => new { role = new[] { "admin", "service" }, project = p });
        yield return Case("role [admin, admin]", p => new { role = new[] { "admin", "admin" }, project = p });
        yield return Case("project [p, other]", p => new { role = "admin", project = new[] { p, "other-project" } });
        yield return Case("project [p, p]", p => new { role = "admin", project = new[] { p, p } });
        yield return Case("patient [a, b]", p => new { role = "patient", project = p, patient = new[] { "pat-1", "pat-2" } });
        yield return Case("patient [a, a]", p => new { role = "patient", project = p, patient = new[] { "pat-1", "pat-1" } });

        // Not one JSON string: after parsing these look like a plain value, or like no claim at all.
        yield return Case("role [admin] (one value, still an array)", p => new { role = new[] { "admin" }, project = p });
        yield return Case("role [[admin]]", p => new { role = new[] { new[] { "admin" } }, project = p });
        yield return Case("role {value: admin}", p => new { role = new { value = "admin" }, project = p });
        yield return Case("project [p]", p => new { role = "admin", project = new[] { p } });
        yield return Case("patient [] beside admin", p => new { role = "admin", project = p, patient = Array.Empty<string>() });
        yield return Case("patient null beside admin", p => new { role = "admin", project = p, patient = (string?)null });
        yield return Case("patient 12345 (a number)", p => new { role = "patient", project = p, patient = 12345 });
        yield return Case("patient true (a boolean)", p => new { role = "patient", project = p, patient = true });
    }

    [TestCaseSource(nameof(MultiValuedClaims))]
    public async Task MultiValuedClaim_Returns401_OnCredentialsPut_AndWritesNothing(Func<string, object> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var projectId = WearablesApiFactory.NewProjectId();

        var put = await Factory.WithBearer(Token(claims(projectId))).PutAsync(Credentials, Http.Json(new { clientId = "evil-client-EV12", clientSecret = "s" }));

        await put.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        var admin = await Factory.IssueKeyAsync(projectId, Role.Admin);
        var read = await (await Factory.WithApiKey(admin.Key).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(read.GetProperty("configured").GetBoolean(), Is.False, "no credentials were written");
    }

    [TestCaseSource(nameof(MultiValuedClaims))]
    public async Task MultiValuedClaim_Returns401_OnApiKeyPost_AndIssuesNoKey(Func<string, object> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var projectId = WearablesApiFactory.NewProjectId();

        var post = await Factory.WithBearer(Token(claims(projectId))).PostAsync("/v1/api-keys", Http.Json(new { name = "escalated", role = "admin" }));

        await post.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        var admin = await Factory.IssueKeyAsync(projectId, Role.Admin);
        var list = await (await Factory.WithApiKey(admin.Key).GetAsync("/v1/api-keys")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(list.ToString(), Does.Not.Contain("escalated"), "no key was issued");
    }

    [TestCase("{\"role\":\"patient\",\"role\":\"admin\"}")]
    [TestCase("{\"role\":\"admin\",\"role\":\"admin\"}")]
    [TestCase("{\"role\":\"admin\",\"project\":\"PROJECT\",\"project\":\"PROJECT\"}")]
    public async Task ClaimGivenTwiceAsAJsonKey_Returns401_AndWritesNothing(string claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var projectId = WearablesApiFactory.NewProjectId();
        var text = claims.Replace("PROJECT", projectId, StringComparison.Ordinal);
        text = text.Contains("\"project\"", StringComparison.Ordinal) ? text : text.TrimEnd('}') + $",\"project\":\"{projectId}\"}}";
        using var payload = System.Text.Json.JsonDocument.Parse(text[..^1]
            + $",\"iss\":\"{Jwt.Issuer}\",\"aud\":\"{Jwt.Audience}\",\"sub\":\"user-1\",\"exp\":{Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5))}}}");

        var put = await Factory.WithBearer(jwt.Raw(new { alg = "HS256", typ = "JWT" }, payload.RootElement))
            .PutAsync(Credentials, Http.Json(new { clientId = "evil-client-EV12", clientSecret = "s" }));

        await put.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        var admin = await Factory.IssueKeyAsync(projectId, Role.Admin);
        var read = await (await Factory.WithApiKey(admin.Key).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(read.GetProperty("configured").GetBoolean(), Is.False, "no credentials were written");
    }

    [Test]
    public async Task SingleValuedAdmin_BuiltTheSameWay_IsAccepted()
    {
        // The control: the hand-built token is otherwise valid.
        var token = Token(new { role = "admin", project = WearablesApiFactory.NewProjectId() });

        await (await Factory.WithBearer(token).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    private static TestCaseData Case(string name, Func<string, object> claims) => new TestCaseData(claims).SetArgDisplayNames(name);

    private string Token(object claims)
    {
        var payload = System.Text.Json.JsonSerializer.SerializeToNode(claims)!.AsObject();
        payload["iss"] = Jwt.Issuer;
        payload["aud"] = Jwt.Audience;
        payload["sub"] = "user-1";
        payload["exp"] = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5));
        return jwt.Raw(new { alg = "HS256", typ = "JWT" }, payload);
    }
}
