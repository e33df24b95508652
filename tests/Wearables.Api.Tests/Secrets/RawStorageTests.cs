using System.Net;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Application.ApiKeys;

namespace Wearables.Api.Tests.Secrets;

/// <summary>Read the store behind the service's back: secrets are encrypted per project and field, keys are hashes.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class RawStorageTests(StorageMode mode) : ApiFixture(mode)
{
    private const string Strava = "/v1/wearables/strava/credentials";

    private static (string ClientId, string ClientSecret, string WebhookSecret) NewSecrets()
    {
        var tag = Guid.NewGuid().ToString("N");
        return ($"RAWCANARY-client-{tag}", $"RAWCANARY-secret-{tag}", $"RAWCANARY-webhook-{tag}");
    }

    [Test]
    public async Task StoredCredentials_NeverHoldThePlaintext()
    {
        var tenant = await Factory.NewTenantAsync();
        var (clientId, clientSecret, webhookSecret) = NewSecrets();
        await (await tenant.AdminClient().PutAsync(Strava, Http.Json(new { clientId, clientSecret, webhookSecret }))).ExpectJsonAsync(HttpStatusCode.OK);

        var stored = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");
        var dump = await RawStorage.DumpAsync(Factory);

        Assert.That(stored.Keys, Is.EquivalentTo(new[] { "client_id", "client_secret", "webhook_secret" }), "the row is there: the check below is not vacuous");
        Assert.That(stored.Values, Has.All.Match(@"^wv1\.[A-Za-z0-9-]{1,16}\.[A-Za-z0-9_-]+$"), "versioned envelopes with a key id");
        Assert.That(dump, Does.Not.Contain(clientSecret).And.Not.Contain(webhookSecret).And.Not.Contain(clientId).And.Not.Contain("RAWCANARY"));
        Assert.That(dump, Does.Not.Contain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(clientSecret))), "not merely encoded");
        Assert.That(dump, Does.Not.Contain(Factory.MasterKey), "the master key is not stored next to the data");
    }

    [Test]
    public async Task ReplacedAndDeletedCredentials_LeaveNoPlaintextBehind()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        var first = NewSecrets();
        var second = NewSecrets();
        await admin.PutAsync(Strava, Http.Json(new { clientId = first.ClientId, clientSecret = first.ClientSecret, webhookSecret = first.WebhookSecret }));
        await admin.PutAsync(Strava, Http.Json(new { clientId = second.ClientId, clientSecret = second.ClientSecret }));
        await admin.DeleteAsync(Strava);

        var dump = await RawStorage.DumpAsync(Factory);

        Assert.That(dump, Does.Not.Contain("RAWCANARY"));
        Assert.That(await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava"), Is.Empty, "DELETE removed the row");
    }

    [Test]
    public async Task EveryValue_GetsAFreshNonce()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        var body = new { clientId = "same-value-SAME", clientSecret = "same-value-SAME", webhookSecret = "same-value-SAME" };

        await admin.PutAsync(Strava, Http.Json(body));
        var first = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");
        await admin.PutAsync(Strava, Http.Json(body));
        var second = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");

        Assert.That(first.Values.Distinct().Count(), Is.EqualTo(3), "equal values in three fields encrypt differently");
        Assert.That(second["client_id"], Is.Not.EqualTo(first["client_id"]), "the same value written again encrypts differently");
    }

    [Test]
    public async Task SameSecretInTwoProjects_IsStoredDifferently_AndEachOpensOnlyInItsProject()
    {
        var a = await Factory.NewTenantAsync();
        var b = await Factory.NewTenantAsync();
        var body = new { clientId = "shared-client-SH12", clientSecret = "shared-secret" };
        await a.AdminClient().PutAsync(Strava, Http.Json(body));
        await b.AdminClient().PutAsync(Strava, Http.Json(body));

        var storedA = await RawStorage.CredentialsAsync(Factory, a.ProjectId, "strava");
        var storedB = await RawStorage.CredentialsAsync(Factory, b.ProjectId, "strava");

        Assert.That(storedA["client_id"], Is.Not.EqualTo(storedB["client_id"]));
    }

    [Test]
    public async Task CiphertextCopiedToAnotherProject_DoesNotOpen()
    {
        var a = await Factory.NewTenantAsync();
        var b = await Factory.NewTenantAsync();
        await a.AdminClient().PutAsync(Strava, Http.Json(new { clientId = "tenant-a-client-COPY", clientSecret = "a-secret" }));
        var stored = await RawStorage.CredentialsAsync(Factory, a.ProjectId, "strava");

        await RawStorage.WriteCredentialsAsync(Factory, b.ProjectId, "strava", stored["client_id"]!, stored["client_secret"]!);
        var response = await b.AdminClient().GetAsync(Strava);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Not.Contain("COPY"), "project B must not read project A's client id");
        await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "credentials_unreadable");
    }

    [Test]
    public async Task CiphertextCopiedToAnotherProvider_DoesNotOpen()
    {
        var tenant = await Factory.NewTenantAsync();
        await tenant.AdminClient().PutAsync(Strava, Http.Json(new { clientId = "strava-client-PROV", clientSecret = "s" }));
        var stored = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");

        await RawStorage.WriteCredentialsAsync(Factory, tenant.ProjectId, "polar", stored["client_id"]!, stored["client_secret"]!);
        var response = await tenant.AdminClient().GetAsync("/v1/wearables/polar/credentials");

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("PROV"));
        await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "credentials_unreadable");
    }

    [Test]
    public async Task CiphertextMovedToAnotherField_DoesNotOpen()
    {
        var tenant = await Factory.NewTenantAsync();
        await tenant.AdminClient().PutAsync(Strava, Http.Json(new { clientId = "client-FELD", clientSecret = "secret-SWAP" }));
        var stored = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");

        // The secret's envelope where the client id belongs: opened as a client id, its last 4 would leak the secret.
        await RawStorage.WriteCredentialsAsync(Factory, tenant.ProjectId, "strava", stored["client_secret"]!, stored["client_id"]!);
        var response = await tenant.AdminClient().GetAsync(Strava);

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("SWAP"));
        await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "credentials_unreadable");
    }

    [Test]
    public async Task TamperedCiphertext_DoesNotOpen()
    {
        var tenant = await Factory.NewTenantAsync();
        await tenant.AdminClient().PutAsync(Strava, Http.Json(new { clientId = "client-TAMP", clientSecret = "s" }));
        var stored = await RawStorage.CredentialsAsync(Factory, tenant.ProjectId, "strava");
        var envelope = stored["client_id"]!;
        var flipped = envelope[..^2] + (envelope[^2] == 'A' ? 'B' : 'A') + envelope[^1];

        await RawStorage.WriteCredentialsAsync(Factory, tenant.ProjectId, "strava", flipped, stored["client_secret"]!);

        await (await tenant.AdminClient().GetAsync(Strava)).ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "credentials_unreadable");
    }

    [Test]
    public async Task ApiKeys_AreStoredOnlyAsHashes()
    {
        var tenant = await Factory.NewTenantAsync();
        var created = await ApiKeys.CreateAsync(tenant.AdminClient(), "service");

        var dump = await RawStorage.DumpAsync(Factory);

        foreach (var key in new[] { created.Key, tenant.Admin.Key, Factory.BootstrapAdminKey })
        {
            Assert.That(dump, Does.Not.Contain(key));
            Assert.That(dump, Does.Not.Contain(key[12..]), "not even the secret part");
            Assert.That(dump, Does.Contain(ApiKeyIssuer.Hash(key)), "the hash is what is stored (so the check above is not vacuous)");
        }
    }
}
