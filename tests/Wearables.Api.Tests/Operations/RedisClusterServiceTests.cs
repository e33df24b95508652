using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Fakes;

namespace Wearables.Api.Tests.Operations;

/// <summary>
/// The whole service in Redis mode on a real three-primary Redis Cluster (<see cref="RedisCluster"/>):
/// start-up (layout check, bootstrap), API keys, credentials, settings, the OAuth flow with its bound,
/// and a second instance that finds the key store not empty.
/// </summary>
[NonParallelizable]
public sealed class RedisClusterServiceTests
{
    private FakeStrava strava = null!;
    private RedisCluster cluster = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        strava = new FakeStrava("cluster-client-1234", "cluster-secret-5678");
        await strava.StartAsync();
        cluster = await RedisCluster.SharedAsync();
        await cluster.FlushAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await strava.DisposeAsync();

    [Test]
    public async Task OnACluster_KeysCredentialsSettingsAndTheBoundedFlow_Work_AndASecondInstanceDoesNotBootstrapAgain()
    {
        await using var first = new ClusterService(cluster, strava.ServiceSettings());
        var admin = first.WithApiKey(first.BootstrapAdminKey);
        await (await admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = strava.ClientId, clientSecret = strava.ClientSecret }))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await admin.PutAsync("/v1/project/settings/WEARABLE_STRAVA_ENABLED", Http.Json(new { value = true }))).ExpectJsonAsync(HttpStatusCode.OK);

        // Four flows for one patient: the bound (three) drops the oldest.
        var connects = new List<System.Text.Json.JsonElement>();
        for (var i = 0; i < 4; i++)
        {
            connects.Add(await (await admin.PostAsync("/v1/wearables/strava/connect", Http.Json(new { patientId = "p-cluster" }))).ExpectJsonAsync(HttpStatusCode.OK));
        }

        var dropped = await CallbackAsync(first, connects[0]);
        var latest = await CallbackAsync(first, connects[3]);
        var service = await ApiKeys.CreateAsync(admin, "service", name: "backend");
        var list = await (await first.WithApiKey(service.Key).GetAsync("/api/v1/users/p-cluster/connections")).ExpectJsonAsync(HttpStatusCode.OK);
        await ApiKeys.RevokeAsync(admin, service.Id);
        var afterRevoke = await first.WithApiKey(service.Key).GetAsync("/api/v1/users/p-cluster/connections");

        await using var second = new ClusterService(cluster, strava.ServiceSettings());
        var secondBootstrap = await second.WithApiKey(second.BootstrapAdminKey).GetAsync("/v1/project/settings");
        var firstKeyOnSecond = await second.WithApiKey(first.BootstrapAdminKey).GetAsync("/v1/project/settings");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(dropped.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the oldest flow was dropped by the fourth");
            Assert.That(latest.StatusCode, Is.EqualTo(HttpStatusCode.OK), await latest.Content.ReadAsStringAsync());
            Assert.That(list.GetArrayLength(), Is.EqualTo(1), list.GetRawText());
            Assert.That(afterRevoke.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(secondBootstrap.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the key store was not empty: no second bootstrap key");
            Assert.That(firstKeyOnSecond.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the instances share the keys");
        }
    }

    private async Task<HttpResponseMessage> CallbackAsync(ClusterService service, System.Text.Json.JsonElement connect)
    {
        var query = QueryHelpers.ParseQuery(new Uri(connect.GetProperty("authorizationUrl").GetString()!).Query);
        var code = strava.IssueCode(query["redirect_uri"].ToString(), query["scope"].ToString());
        return await service.Anonymous().GetAsync(QueryHelpers.AddQueryString("/v1/wearables/strava/callback",
            new Dictionary<string, string?> { ["code"] = code, ["state"] = connect.GetProperty("state").GetString() }));
    }

    private sealed class ClusterService(RedisCluster cluster, IEnumerable<KeyValuePair<string, string?>> settings) : WearablesServiceFactory(new WearablesServiceOptions
    {
        Storage = StorageMode.Redis,
        RedisConnectionString = cluster.ConnectionString,
        BootstrapProject = "default",
        Settings = new Dictionary<string, string?>(settings),
    });
}
