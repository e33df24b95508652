using System.Net;
using Microsoft.IdentityModel.Tokens;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Domain.Security;

namespace Wearables.Api.Tests.Auth;

/// <summary>JWT bearer tokens from the configured issuer (claims project, role, patient).</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class JwtAuthenticationTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Credentials = "/v1/wearables/strava/credentials";
    private readonly Jwt jwt = new();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => jwt.Settings;

    private static object ValidBody => new { clientId = "jwt-client-JW12", clientSecret = "jwt-secret" };

    [Test]
    public async Task AdminJwt_CanPutCredentials_InItsProject()
    {
        var projectId = WearablesApiFactory.NewProjectId();
        var token = jwt.Mint(projectId, "admin");

        var put = await Factory.WithBearer(token).PutAsync(Credentials, Http.Json(ValidBody));

        await put.ExpectJsonAsync(HttpStatusCode.OK);
        var sameProjectKey = await Factory.IssueKeyAsync(projectId, Role.Admin);
        var read = await (await Factory.WithApiKey(sameProjectKey.Key).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(read.GetProperty("clientIdLast4").GetString(), Is.EqualTo("JW12"), "the token's project claim chose the tenant");
        var otherProject = await (await Factory.BootstrapAdmin().GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(otherProject.GetProperty("configured").GetBoolean(), Is.False);
    }

    [Test]
    public async Task AdminJwt_CanReadSettingsAndListKeys()
    {
        var client = Factory.WithBearer(jwt.Mint(WearablesApiFactory.NewProjectId(), "admin"));

        await (await client.GetAsync("/v1/project/settings")).ExpectJsonAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/v1/api-keys")).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [TestCase(SecurityAlgorithms.HmacSha384)]
    [TestCase(SecurityAlgorithms.HmacSha512)]
    public async Task AdminJwt_SignedWithAnotherHmac_IsAccepted(string algorithm)
    {
        var token = jwt.Mint(WearablesApiFactory.NewProjectId(), "admin", algorithm: algorithm);

        await (await Factory.WithBearer(token).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task ApiKeys_StillWork_WhenJwtIsConfigured()
    {
        await (await Factory.BootstrapAdmin().GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
        await (await Factory.WithBearer(Factory.BootstrapAdminKey).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    public static IEnumerable<TestCaseData> RejectedTokens()
    {
        var project = WearablesApiFactory.NewProjectId();
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin", expires: DateTime.UtcNow.AddMinutes(-5)))).SetName("{m}(expired)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin", signingKey: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))).SetName("{m}(wrong signature)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin", issuer: "https://evil.test"))).SetName("{m}(wrong issuer)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin", audience: "someone-else"))).SetName("{m}(wrong audience)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(null, "admin"))).SetName("{m}(no project claim)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint("bad project!", "admin"))).SetName("{m}(invalid project claim)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, null))).SetName("{m}(no role claim)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "root"))).SetName("{m}(unknown role)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "Admin"))).SetName("{m}(role of another case)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "patient"))).SetName("{m}(patient role without patient)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin", patient: "pat-1"))).SetName("{m}(admin role with patient)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "none", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, project, role = "admin", exp = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5)) },
            sign: false))).SetName("{m}(alg none)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "HS256", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, project, role = "admin" }))).SetName("{m}(no expiry)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "HS256", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, project, role = "admin", nbf = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(10)), exp = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(20)) }))).SetName("{m}(not yet valid)");
        // A JWT's claim names are case-sensitive: ROLE or Project is some other claim, not ours.
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "HS256", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, project, ROLE = "admin", exp = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5)) }))).SetName("{m}(ROLE, no role)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "HS256", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, Project = project, role = "admin", exp = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5)) }))).SetName("{m}(Project, no project)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Raw(
            new { alg = "HS256", typ = "JWT" },
            new { iss = Jwt.Issuer, aud = Jwt.Audience, project, Role = new[] { "admin" }, exp = Jwt.UnixTime(DateTime.UtcNow.AddMinutes(5)) }))).SetName("{m}(Role [admin], no role)");
        yield return new TestCaseData(new Func<Jwt, string>(j => j.Mint(project, "admin")[..^3] + "abc")).SetName("{m}(tampered signature)");
        yield return new TestCaseData(new Func<Jwt, string>(_ => "not.a.jwt")).SetName("{m}(garbage)");
    }

    [TestCaseSource(nameof(RejectedTokens))]
    public async Task InvalidJwt_Returns401(Func<Jwt, string> token)
    {
        ArgumentNullException.ThrowIfNull(token);

        var response = await Factory.WithBearer(token(jwt)).PutAsync(Credentials, Http.Json(ValidBody));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Invalid or missing API key"));
    }

    [Test]
    public async Task TamperedPayload_Returns401()
    {
        var project = WearablesApiFactory.NewProjectId();
        var service = jwt.Mint(project, "service").Split('.');
        var admin = jwt.Mint(project, "admin").Split('.');

        // The admin payload under the service token's signature.
        var spliced = $"{service[0]}.{admin[1]}.{service[2]}";

        await (await Factory.WithBearer(spliced).GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task JwtInTheApiKeyHeader_Returns401()
    {
        var response = await Factory.WithApiKey(jwt.Mint(WearablesApiFactory.NewProjectId(), "admin")).GetAsync(Credentials);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [TestCaseSource(typeof(AdminEndpoints), nameof(AdminEndpoints.Cases))]
    public async Task ServiceJwt_Returns403_OnAdminEndpoints(string method, string path, string? body)
    {
        var client = Factory.WithBearer(jwt.Mint(WearablesApiFactory.NewProjectId(), "service"));

        var response = await client.SendAsync(new HttpMethod(method), path, body is null ? null : Http.RawJson(body));

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Test]
    public async Task PatientJwt_Returns403_OnCredentials()
    {
        var client = Factory.WithBearer(jwt.Mint(WearablesApiFactory.NewProjectId(), "patient", patient: "pat-1"));

        await (await client.PutAsync(Credentials, Http.Json(ValidBody))).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.GetAsync(Credentials)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Test]
    public async Task ServiceJwt_CannotWriteCredentials()
    {
        var projectId = WearablesApiFactory.NewProjectId();
        await Factory.WithBearer(jwt.Mint(projectId, "service")).PutAsync(Credentials, Http.Json(ValidBody));

        var read = await (await Factory.WithBearer(jwt.Mint(projectId, "admin")).GetAsync(Credentials)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(read.GetProperty("configured").GetBoolean(), Is.False);
    }
}
