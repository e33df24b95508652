using System.Net;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Validation;

/// <summary>
/// Bodies whose checks come right after binding are refused at the HTTP edge, with the answer the
/// pipeline would give, before any use case runs; connect's checks stay in the pipeline, where its
/// contract orders them after the patient check and the project's settings.
/// </summary>
[TestFixture(StorageMode.Embedded)]
public sealed class EdgeValidationTests(StorageMode mode) : ApiFixture(mode)
{
    [TestCase("PUT", "/v1/wearables/strava/credentials", """{"clientSecret":"s"}""", HttpStatusCode.UnprocessableEntity, "field_required", "clientId", "SetCredentialsCommand")]
    [TestCase("POST", "/v1/api-keys", """{"name":"n","role":"owner"}""", HttpStatusCode.UnprocessableEntity, "role_invalid", "role", "CreateApiKeyCommand")]
    [TestCase("POST", "/v1/wearables/link/exchange", """{"provider":"oura"}""", HttpStatusCode.BadRequest, "field_required", "link_token", "ExchangeLinkTokenCommand")]
    public async Task AnInvalidBody_IsRefusedAtTheEdge_WithThePipelinesAnswer(string method, string path, string body, HttpStatusCode status, string error, string field, string command)
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var mark = Factory.Logs.Entries.Count;

        var problem = await (await admin.SendAsync(new HttpMethod(method), path, Http.Json(body))).ExpectProblemAsync(status, error);

        Assert.That(problem.ErrorFields(), Does.Contain(field));
        Assert.That(UseCaseLines(mark, command), Is.Empty, "no use case ran: the body was refused before the controller");
    }

    [Test]
    public async Task Connect_IsValidatedInThePipeline_AfterTheProjectsSettings()
    {
        var admin = (await Factory.NewTenantAsync()).AdminClient();
        var mark = Factory.Logs.Entries.Count;

        // A bad patient id and redirect URI too: the disabled provider is what the contract answers first.
        await (await admin.PostAsync("/v1/wearables/strava/connect", Http.Json("""{"patientId":"bad id","redirectUri":"ftp://x"}"""))).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "provider_disabled");

        Assert.That(UseCaseLines(mark, "StartConnectCommand"), Has.Some.StartsWith("Refused StartConnectCommand: provider_disabled"));
    }

    private List<string> UseCaseLines(int mark, string command) =>
        Factory.Logs.Entries.Skip(mark)
            .Where(e => e.Category.StartsWith("Wearables.Application.Common.Behaviors.LoggingBehavior", StringComparison.Ordinal) && e["Request"] == command)
            .Select(e => e.Message)
            .ToList();
}
