using System.Net;
using System.Text;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Operations;

/// <summary>
/// Withings signs nothing, so its notifications are taken only from configured address ranges: with
/// none configured (the default) every one is refused, whatever it says; its probe is still answered.
/// </summary>
public sealed class WebhookSourceDefaultsTests() : ApiFixture(StorageMode.Embedded)
{
    [Test]
    public async Task Withings_WithoutConfiguredRanges_RefusesEveryNotification_403_ButAnswersTheProbe()
    {
        var client = Factory.Anonymous();
        using var form = new ByteArrayContent(Encoding.ASCII.GetBytes("userid=363&appli=46&action=unlink&startdate=1&enddate=2"));
        form.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var refused = await client.PostAsync("/v1/wearables/withings/webhooks/proj-a", form);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/wearables/withings/webhooks/proj-a");
        var probe = await client.SendAsync(head);

        await refused.ExpectProblemAsync(HttpStatusCode.Forbidden, "webhook_source_refused");
        Assert.That(probe.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
