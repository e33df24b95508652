using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>A <c>Wearables:Limits:*</c> value the service cannot use stops the start, naming the key.</summary>
public sealed class LimitsConfigurationTests
{
    [TestCase("Wearables:Limits:TrustedProxies:0", "not-an-address", "Wearables:Limits:TrustedProxies")]
    [TestCase("Wearables:Limits:TrustedProxies:0", "10.0.0.0/99", "Wearables:Limits:TrustedProxies")]
    [TestCase("Wearables:Limits:Callback:PermitsPerMinute", "0", "Wearables:Limits:Callback:PermitsPerMinute")]
    [TestCase("Wearables:Limits:PendingFlowsPerPatient", "0", "Wearables:Limits:PendingFlowsPerPatient")]
    [TestCase("Wearables:Limits:PendingStatesPerProject", "-1", "Wearables:Limits:PendingStatesPerProject")]
    [TestCase("Wearables:Limits:AuthFailures:PermitLimit", "0", "Wearables:Limits:AuthFailures")]
    [TestCase("Wearables:Limits:AuthFailures:WindowSeconds", "0", "Wearables:Limits:AuthFailures")]
    [TestCase("Wearables:Junction:AllowedBaseUrls:0", "not a url", "Wearables:Junction:AllowedBaseUrls")]
    public void AnUnusableLimit_StopsTheStart(string key, string value, string named)
    {
        using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?> { [key] = value });

        Exception? failure = null;
        try
        {
            _ = factory.Anonymous().GetAsync("/health/live").GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        Assert.That(failure, Is.Not.Null, "the service started with " + key + "=" + value);
        Assert.That(Messages(failure!), Does.Contain(named));
    }

    [Test]
    public async Task TrustedProxies_OfAddressesAndNetworks_AreAccepted()
    {
        await using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?>
        {
            ["Wearables:Limits:TrustedProxies:0"] = "10.0.0.5",
            ["Wearables:Limits:TrustedProxies:1"] = "172.16.0.0/12",
            ["Wearables:Limits:TrustedProxies:2"] = "fd00::/8",
        });

        var response = await factory.Anonymous().GetAsync("/health/live");

        Assert.That((int)response.StatusCode, Is.EqualTo(200));
    }

    private static string Messages(Exception ex)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            text.Append(e.Message).Append(" | ");
        }

        return text.ToString();
    }
}
