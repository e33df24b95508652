using System.Net;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>The bootstrap admin key is created on the first start with an empty store, and only then.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
public sealed class BootstrapTests(StorageMode mode) : ApiFixture(mode)
{
    [Test]
    public async Task ConfiguredKey_IsTheBootstrapProjectsAdmin()
    {
        var keys = await ApiKeys.ListAsync(Factory.BootstrapAdmin());

        Assert.That(keys, Has.Length.EqualTo(1));
        Assert.That(keys[0].GetProperty("id").GetString(), Is.EqualTo(Factory.BootstrapAdminKeyId));
        Assert.That(keys[0].GetProperty("role").GetString(), Is.EqualTo("admin"));
    }

    [Test]
    public async Task ASecondStart_OnTheSameStore_CreatesNoFurtherKey()
    {
        await using var second = await WearablesApiFactory.StartAsync(Mode, storeOf: Factory);

        // The second instance was configured with another bootstrap key and project: the store already had a key.
        await (await second.BootstrapAdmin().GetAsync("/v1/api-keys")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await second.WithApiKey(Factory.BootstrapAdminKey).GetAsync("/v1/api-keys")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(await ApiKeys.ListAsync(Factory.BootstrapAdmin()), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task TwoInstances_OnOneStore_ShareCredentialsAndRevocations()
    {
        await using var second = await WearablesApiFactory.StartAsync(Mode, storeOf: Factory);
        var tenant = await Factory.NewTenantAsync();
        var service = await ApiKeys.CreateAsync(tenant.AdminClient(), "service");

        await (await tenant.AdminClient().PutAsync("/v1/wearables/polar/credentials", Http.Json(new { clientId = "shared-INST", clientSecret = "s" })))
            .ExpectJsonAsync(HttpStatusCode.OK);
        await ApiKeys.RevokeAsync(tenant.AdminClient(), service.Id);

        var view = await (await second.WithApiKey(tenant.Admin.Key).GetAsync("/v1/wearables/polar/credentials")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(view.GetProperty("clientIdLast4").GetString(), Is.EqualTo("INST"), "the other instance decrypts with the same master key");
        await (await second.WithApiKey(service.Key).GetAsync("/v1/wearables/polar/credentials")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }
}
