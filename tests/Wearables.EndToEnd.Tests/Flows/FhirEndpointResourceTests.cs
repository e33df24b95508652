using System.Globalization;
using System.Net;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>Fhir mode: the Endpoint resource a callback writes, read straight from the FHIR engine.</summary>
[TestFixture(StorageMode.Redis, ConnectionsMode.Fhir)]
[TestFixture(StorageMode.Embedded, ConnectionsMode.Fhir)]
public sealed class FhirEndpointResourceTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task StravaEndpoint_HasTheDocumentedShapeAndNoPlaintextTokens()
    {
        var athleteId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Strava.AthleteId = athleteId;
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        var connection = await Env.FindConnectionAsync("strava", patientId);

        Assert.That(connection, Is.Not.Null);
        var resourceId = await FhirDirect.FindEndpointIdAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, "strava");
        var (raw, resource) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, resourceId);
        var identifiers = resource.GetProperty("identifier").EnumerateArray()
            .Select(i => (System: i.GetProperty("system").GetString(), Value: i.GetProperty("value").GetString())).ToList();
        var tags = resource.GetProperty("meta").GetProperty("tag").EnumerateArray()
            .Select(t => (System: t.GetProperty("system").GetString(), Code: t.GetProperty("code").GetString())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(resource.GetProperty("resourceType").GetString(), Is.EqualTo("Endpoint"));
            Assert.That(resource.GetProperty("id").GetString(), Is.EqualTo(resourceId));
            Assert.That(resource.GetProperty("meta").GetProperty("versionId").GetString(), Is.Not.Null.And.Not.Empty);
            Assert.That(resource.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(resource.GetProperty("connectionType").GetProperty("code").GetString(), Is.EqualTo("strava"));
            Assert.That(resource.GetProperty("connectionType").GetProperty("system").GetString(), Is.Not.Null.And.Not.Empty);
            Assert.That(resource.GetProperty("payloadType").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(resource.GetProperty("address").GetString()!.TrimEnd('/'), Is.EqualTo(Env.Strava.ApiBaseUrl.ToString().TrimEnd('/')));
            Assert.That(resource.GetProperty("period").GetProperty("start").GetString(), Is.Not.Null.And.Not.Empty);
            Assert.That(tags, Does.Contain((FhirDirect.ProjectTagSystem, (string?)Env.Tenant.ProjectId)));
            Assert.That(identifiers, Does.Contain((FhirDirect.Sid + "provider-user/strava", (string?)athleteId.ToString(CultureInfo.InvariantCulture))));
            Assert.That(identifiers, Does.Contain((FhirDirect.Sid + "patient", (string?)patientId)));
            Assert.That(resource.TryGetProperty("header", out _), Is.False, "tokens never in header");
            Assert.That(raw, Does.Contain("access-token"), "the encrypted access token is an extension");
            foreach (var token in Env.IssuedTokens)
            {
                Assert.That(raw, Does.Not.Contain(token), "no plaintext token in the resource");
            }

            Assert.That(raw, Does.Not.Contain(Env.Strava.ClientSecret));
        });

        // The patient + project search the service relies on finds exactly this resource.
        var bundle = await FhirDirect.SearchByPatientAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId);
        Assert.That(bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()),
            Is.EqualTo(new[] { resourceId }));
    }

    [Test]
    public async Task PolarEndpoint_CarriesTheXUserIdentifierAndNoPlaintextToken()
    {
        var userId = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        Env.Polar.XUserId = userId;
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("polar", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(await Env.FindConnectionAsync("polar", patientId), Is.Not.Null);

        var (raw, resource) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, "polar");
        var identifiers = resource.GetProperty("identifier").EnumerateArray()
            .Select(i => (System: i.GetProperty("system").GetString(), Value: i.GetProperty("value").GetString())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(resource.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(resource.GetProperty("connectionType").GetProperty("code").GetString(), Is.EqualTo("polar"));
            Assert.That(resource.GetProperty("address").GetString()!.TrimEnd('/'), Is.EqualTo(Env.Polar.ApiBaseUrl.ToString().TrimEnd('/')));
            Assert.That(identifiers, Does.Contain((FhirDirect.Sid + "provider-user/polar", (string?)userId.ToString(CultureInfo.InvariantCulture))));
            Assert.That(raw, Does.Not.Contain(Env.Polar.IssuedAccessTokens.Last()));
        });
    }

    [Test]
    public async Task Reconnect_UpdatesTheOneEndpointToANewVersionWithNewTokens()
    {
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        var id = await FhirDirect.FindEndpointIdAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, "strava");
        var (firstRaw, first) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, id);

        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        var (secondRaw, second) = await FhirDirect.ReadEndpointAsync(Env.Fhir!, id);

        Assert.Multiple(async () =>
        {
            Assert.That(await FhirDirect.FindEndpointIdAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId, "strava"), Is.EqualTo(id), "the same resource, updated");
            Assert.That(second.GetProperty("meta").GetProperty("versionId").GetString(), Is.Not.EqualTo(first.GetProperty("meta").GetProperty("versionId").GetString()));
            Assert.That(AccessTokenExtension(second), Is.Not.EqualTo(AccessTokenExtension(first)));
            Assert.That(second.GetProperty("status").GetString(), Is.EqualTo("active"));
            Assert.That(FhirDirect.EntryCount(await FhirDirect.SearchByPatientAsync(Env.Fhir!, Env.Tenant.ProjectId, patientId)), Is.EqualTo(1));
            Assert.That(secondRaw, Does.Not.Contain(Env.Strava.IssuedAccessTokens.Last()));
            Assert.That(firstRaw, Is.Not.EqualTo(secondRaw));
        });
    }

    private static string? AccessTokenExtension(System.Text.Json.JsonElement resource) =>
        resource.GetProperty("extension").EnumerateArray()
            .Where(e => e.GetProperty("url").GetString()!.EndsWith("/access-token", StringComparison.Ordinal))
            .Select(e => e.GetProperty("valueString").GetString())
            .SingleOrDefault();
}
