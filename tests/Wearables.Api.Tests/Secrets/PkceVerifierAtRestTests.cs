using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;

namespace Wearables.Api.Tests.Secrets;

/// <summary>
/// Read the state store behind the service's back after a connect with PKCE on: the verifier is
/// there only sealed, for its own flow. The provider is never reached (its token URL is a closed port).
/// </summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class PkceVerifierAtRestTests(StorageMode mode) : ApiFixture(mode)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Wearables:Providers:strava:UsePkce"] = "true",
        ["Wearables:Providers:strava:TokenUrl"] = "http://127.0.0.1:9/oauth/token",
    };

    [Test]
    public async Task Connect_StoresTheVerifierOnlySealed_AndTheSealedValueIsTheVerifierOfTheChallenge()
    {
        var tenant = await StravaTenantAsync();

        var flow = await ConnectAsync(tenant);
        var envelope = await StoredEnvelopeAsync(flow.State);
        var verifier = Open(tenant.ProjectId, flow.State, envelope);
        var dump = await RawStorage.DumpAsync(Factory);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(envelope, Does.Match(@"^wv1\.[A-Za-z0-9-]{1,16}\.[A-Za-z0-9_-]+$"), "a versioned envelope with a key id");
            Assert.That(verifier, Is.Not.Null, "the stored envelope opens for its flow");
            Assert.That(PkceVerifiers.ChallengeOf(verifier ?? string.Empty), Is.EqualTo(flow.Challenge), "what is sealed is the verifier of the challenge sent (so the check below is not vacuous)");
            Assert.That(dump, Does.Contain(envelope), "the dump holds the flow");
            Assert.That(dump, Does.Not.Contain(verifier ?? "(none)"), "the verifier is nowhere in plaintext");
            Assert.That(dump, Does.Not.Contain(flow.State), "nor the state");
        }
    }

    [Test]
    public async Task SealedVerifierCopiedToAnotherFlow_DoesNotOpen_AndTheCallbackIs401StateInvalid()
    {
        var tenant = await StravaTenantAsync();
        var first = await ConnectAsync(tenant);
        var second = await ConnectAsync(tenant);
        var stored = JsonNode.Parse((await RawStorage.OAuthStateAsync(Factory, OAuthState.Hash(second.State)))!)!;
        stored["pkceVerifierEnvelope"] = await StoredEnvelopeAsync(first.State);

        await RawStorage.WriteOAuthStateAsync(Factory, OAuthState.Hash(second.State), stored.ToJsonString());
        var callback = await Factory.Anonymous().GetAsync(CallbackUrl(second.State));

        await callback.ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        Assert.That(await RawStorage.OAuthStateAsync(Factory, OAuthState.Hash(second.State)), Is.Null, "the state is spent");
    }

    [Test]
    public async Task Connect_WithoutPkce_StoresNoVerifier()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        await (await admin.PutAsync("/v1/wearables/polar/credentials", Http.Json(new { clientId = "polar-client", clientSecret = "polar-secret" }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await admin.PutAsync("/v1/project/settings/WEARABLE_POLAR_ENABLED", Http.Json(new { value = true }))).ExpectJsonAsync(HttpStatusCode.OK);

        var body = await (await admin.PostAsync("/v1/wearables/polar/connect", Http.Json(new { patientId = "p-nopkce" }))).ExpectJsonAsync(HttpStatusCode.OK);
        var state = body.GetProperty("state").GetString()!;
        var stored = JsonNode.Parse((await RawStorage.OAuthStateAsync(Factory, OAuthState.Hash(state)))!)!.AsObject();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.ContainsKey("patientId"), Is.True, "the flow is stored (so the check below is not vacuous)");
            Assert.That(stored.ContainsKey("pkceVerifierEnvelope"), Is.False);
            Assert.That(body.GetProperty("authorizationUrl").GetString(), Does.Not.Contain("code_challenge"));
        }
    }

    private async Task<Tenant> StravaTenantAsync()
    {
        var tenant = await Factory.NewTenantAsync();
        var admin = tenant.AdminClient();
        await (await admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = "pkce-client", clientSecret = "pkce-secret" }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await admin.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }))).ExpectJsonAsync(HttpStatusCode.OK);
        return tenant;
    }

    private static async Task<(string State, string Challenge)> ConnectAsync(Tenant tenant)
    {
        var body = await (await tenant.AdminClient().PostAsync("/v1/wearables/strava/connect", Http.Json(new { patientId = "p-pkce" }))).ExpectJsonAsync(HttpStatusCode.OK);
        var query = QueryHelpers.ParseQuery(new Uri(body.GetProperty("authorizationUrl").GetString()!).Query);
        Assert.That(query["code_challenge_method"].ToString(), Is.EqualTo("S256"));
        return (body.GetProperty("state").GetString()!, query["code_challenge"].ToString());
    }

    private async Task<string> StoredEnvelopeAsync(string state)
    {
        var payload = await RawStorage.OAuthStateAsync(Factory, OAuthState.Hash(state));
        Assert.That(payload, Is.Not.Null, "connect stored the flow");
        return JsonDocument.Parse(payload!).RootElement.GetProperty("pkceVerifierEnvelope").GetString()!;
    }

    /// <summary>The envelope opened with the service's own key ring, for the flow's own purpose; null when it does not open.</summary>
    private string? Open(string projectId, string state, string envelope) =>
        Factory.Services.GetRequiredService<ISecretProtector>()
            .TryUnprotect(envelope, PkceVerifiers.PurposeOf(projectId, OAuthState.Hash(state)), out var verifier) ? verifier : null;

    private static string CallbackUrl(string state) =>
        QueryHelpers.AddQueryString("/v1/wearables/strava/callback", new Dictionary<string, string?> { ["code"] = "some-code-0123456789", ["state"] = state });
}
