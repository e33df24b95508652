using System.Net;
using System.Text.Json;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Domain.Security;

namespace Wearables.Api.Tests.Tenancy;

/// <summary>Nothing of one project is visible to, or changeable by, another project's admin.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class TenantIsolationTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Strava = "/v1/wearables/strava/credentials";

    /// <summary>Project A (with credentials, settings and a service key) and project B's admin.</summary>
    private async Task<(HttpClient A, HttpClient B, IssuedKey AService, string ProjectB)> TwoTenantsAsync()
    {
        var a = (await Factory.NewTenantAsync()).AdminClient();
        await (await a.PutAsync(Strava, Http.Json(new { clientId = "tenant-a-client-AAAA", clientSecret = "a-secret", webhookSecret = "a-hook" }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await a.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await a.PutAsync("/v1/project/settings/WEARABLE_REDIRECT_ORIGINS", Http.Json(new { value = "https://a.example" }))).ExpectJsonAsync(HttpStatusCode.OK);
        var aService = await ApiKeys.CreateAsync(a, "service");

        // Project B's admin key is made through the service itself, as the create-key verb would.
        var projectB = WearablesApiFactory.NewProjectId();
        var bAdmin = await Factory.IssueKeyAsync(projectB, Role.Admin, name: "b");
        return (a, Factory.WithApiKey(bAdmin.Key), aService, projectB);
    }

    private static async Task AssertAUnchangedAsync(HttpClient a, IssuedKey aService)
    {
        var credentials = await (await a.GetAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);
        var settings = await (await a.GetAsync("/v1/project/settings")).ExpectJsonAsync(HttpStatusCode.OK);
        var keys = await ApiKeys.ListAsync(a);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(credentials.GetProperty("configured").GetBoolean(), Is.True, credentials.GetRawText());
            Assert.That(credentials.GetProperty("clientIdLast4").GetString(), Is.EqualTo("AAAA"));
            Assert.That(credentials.GetProperty("hasWebhookSecret").GetBoolean(), Is.True);
            Assert.That(settings.GetProperty("WEARABLE_STRAVA_ENABLED").ValueKind, Is.EqualTo(JsonValueKind.True));
            Assert.That(settings.GetProperty("WEARABLE_REDIRECT_ORIGINS").GetString(), Is.EqualTo("https://a.example"));
            Assert.That(keys.Single(k => k.GetProperty("id").GetString() == aService.Id).GetProperty("active").GetBoolean(), Is.True);
        }
    }

    [Test]
    public async Task OtherProject_SeesItsOwnEmptyCredentials()
    {
        var (_, b, _, _) = await TwoTenantsAsync();

        var view = await (await b.GetAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);

        Credentials.CredentialsEndpointTests.AssertStatusView(view, false, null, false, false);
    }

    [Test]
    public async Task OtherProject_SeesItsOwnDefaultSettings()
    {
        var (_, b, _, _) = await TwoTenantsAsync();

        var settings = await (await b.GetAsync("/v1/project/settings")).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(settings.GetProperty("WEARABLE_STRAVA_ENABLED").ValueKind, Is.EqualTo(JsonValueKind.False));
        Assert.That(settings.GetProperty("WEARABLE_REDIRECT_ORIGINS").GetString(), Is.Empty);
    }

    [Test]
    public async Task OtherProject_ListsOnlyItsOwnKeys()
    {
        var (a, b, aService, _) = await TwoTenantsAsync();
        var aIds = (await ApiKeys.ListAsync(a)).Select(k => k.GetProperty("id").GetString()).ToArray();

        var bIds = (await ApiKeys.ListAsync(b)).Select(k => k.GetProperty("id").GetString()).ToArray();

        Assert.That(bIds, Has.Length.EqualTo(1));
        Assert.That(bIds, Has.None.AnyOf(aIds));
        Assert.That(aIds, Does.Contain(aService.Id));
    }

    [Test]
    public async Task OtherProject_WritingAndDeleting_LeavesTheFirstProjectUnchanged()
    {
        var (a, b, aService, _) = await TwoTenantsAsync();

        await (await b.PutAsync(Strava, Http.Json(new { clientId = "tenant-b-client-BBBB", clientSecret = "b-secret" }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await b.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = false }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await b.PutAsync("/v1/project/settings/WEARABLE_REDIRECT_ORIGINS", Http.Json(new { value = "https://b.example" }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await b.DeleteAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);
        await (await b.DeleteAsync("/v1/wearables/polar/credentials")).ExpectJsonAsync(HttpStatusCode.OK);

        await AssertAUnchangedAsync(a, aService);
    }

    [Test]
    public async Task OtherProject_WritingCredentials_SeesOnlyItsOwn()
    {
        var (a, b, aService, _) = await TwoTenantsAsync();

        var bView = await (await b.PutAsync(Strava, Http.Json(new { clientId = "tenant-b-client-BBBB", clientSecret = "b-secret" }))).ExpectJsonAsync(HttpStatusCode.OK);

        Credentials.CredentialsEndpointTests.AssertStatusView(bView, true, "BBBB", true, false);
        await AssertAUnchangedAsync(a, aService);
    }

    [Test]
    public async Task OtherProject_CannotRevokeTheFirstProjectsKeys()
    {
        var (a, b, aService, _) = await TwoTenantsAsync();
        var aAdminId = (await ApiKeys.ListAsync(a)).First(k => k.GetProperty("role").GetString() == "admin").GetProperty("id").GetString();

        await (await b.DeleteAsync($"/v1/api-keys/{aService.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        await (await b.DeleteAsync($"/v1/api-keys/{aAdminId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        await (await b.DeleteAsync($"/v1/api-keys/{Factory.BootstrapAdminKeyId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");

        await AssertAUnchangedAsync(a, aService);
        await (await Factory.WithApiKey(aService.Key).GetAsync(Strava)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await Factory.BootstrapAdmin().GetAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task KeysCreatedByAProject_BelongToThatProject()
    {
        var (a, b, aService, _) = await TwoTenantsAsync();

        var bSecondAdmin = await ApiKeys.CreateAsync(b, "admin");
        var view = await (await Factory.WithApiKey(bSecondAdmin.Key).GetAsync(Strava)).ExpectJsonAsync(HttpStatusCode.OK);

        Assert.That(view.GetProperty("configured").GetBoolean(), Is.False, "a key created by B's admin acts in B");
        Assert.That((await ApiKeys.ListAsync(a)).Select(k => k.GetProperty("id").GetString()), Does.Not.Contain(bSecondAdmin.Id));
        await AssertAUnchangedAsync(a, aService);
    }
}
