using System.Net;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Operations;

/// <summary>A Redis that goes away: not ready (503), requests answer 503 problems, and the service recovers.</summary>
[TestFixture]
public sealed class RedisOutageTests : ApiFixture
{
    public RedisOutageTests()
        : base(StorageMode.Redis)
    {
    }

    [Test]
    public async Task Ready_Returns503_WhileRedisIsDown_AndRecovers()
    {
        var client = Factory.Anonymous();
        var admin = Factory.BootstrapAdmin();
        Assert.That((await client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await (await admin.GetAsync("/v1/wearables/strava/credentials")).ExpectJsonAsync(HttpStatusCode.OK);

        await Factory.Redis!.StopAsync();

        var ready = await client.GetAsync("/health/ready");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await ready.Content.ReadAsStringAsync());
        Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "live does not depend on Redis");

        // Authentication needs the key store: a store outage is a 503, never a 401 or a 500.
        await (await admin.GetAsync("/v1/wearables/strava/credentials")).ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "store_unavailable");
        await (await admin.PutAsync("/v1/wearables/strava/credentials", Http.Json(new { clientId = "abcdXY34", clientSecret = "s" })))
            .ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "store_unavailable");

        await Factory.Redis.StartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250);
            status = (await client.GetAsync("/health/ready")).StatusCode;
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "ready again once Redis is back");
    }
}
