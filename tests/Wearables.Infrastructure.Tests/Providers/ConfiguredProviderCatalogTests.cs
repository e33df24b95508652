using Microsoft.Extensions.Configuration;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Tests.Providers;

/// <summary>
/// The catalog's entries and how configuration applies to them: PKCE per entry (the entry's default, overridden by
/// <c>Wearables:Providers:&lt;slug&gt;:UsePkce</c>) and the facts that are unconfirmed.
/// </summary>
public sealed class ConfiguredProviderCatalogTests
{
    /// <summary>A provider that requires PKCE, as a later entry (Garmin, Fitbit) would be written.</summary>
    private static readonly ProviderDescriptor PkceByDefault = new()
    {
        Slug = "garminlike",
        DisplayName = "Garmin-like",
        AuthorizeUrl = new Uri("https://provider.example/oauth/authorize"),
        TokenUrl = new Uri("https://provider.example/oauth/token"),
        ApiBaseUrl = new Uri("https://provider.example/api"),
        DefaultScopes = ["read"],
        UsePkce = true,
    };

    [TestCase("strava")]
    [TestCase("polar")]
    public void BuiltInProviders_HavePkceOff_WithoutConfiguration(string slug) =>
        Assert.That(Get(Catalog([]), slug).UsePkce, Is.False);

    [TestCase("true", true)]
    [TestCase("True", true)]
    [TestCase("false", false)]
    [TestCase("", false)]
    public void UsePkce_TurnsPkceOnForOneProvider(string value, bool expected)
    {
        var catalog = Catalog(new() { ["Wearables:Providers:strava:UsePkce"] = value });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Get(catalog, "strava").UsePkce, Is.EqualTo(expected));
            Assert.That(Get(catalog, "polar").UsePkce, Is.False, "the other providers keep their own default");
        }
    }

    [Test]
    public void AnEntryThatDefaultsPkceOn_KeepsItOn_UnlessConfigurationTurnsItOff()
    {
        var unconfigured = new ConfiguredProviderCatalog(Configuration([]), [PkceByDefault]);
        var turnedOff = new ConfiguredProviderCatalog(Configuration(new() { ["Wearables:Providers:garminlike:UsePkce"] = "false" }), [PkceByDefault]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Get(unconfigured, "garminlike").UsePkce, Is.True);
            Assert.That(Get(turnedOff, "garminlike").UsePkce, Is.False);
        }
    }

    [TestCase("yes")]
    [TestCase("1")]
    [TestCase("S256")]
    public void UsePkce_ThatIsNoBoolean_StopsWithTheKeyInTheMessage(string value)
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => Catalog(new() { ["Wearables:Providers:polar:UsePkce"] = value }));

        Assert.That(thrown!.Message, Does.Contain("Wearables:Providers:polar:UsePkce"));
    }

    [Test]
    public void TheCatalog_HasNineProviders_EachWithItsToggle_AndHttpsEndpoints()
    {
        var all = Catalog([]).All;

        Assert.That(all.Select(p => p.Slug), Is.EqualTo(new[] { "dexcom", "fitbit", "garmin", "oura", "polar", "strava", "suunto", "whoop", "withings" }));
        using (Assert.EnterMultipleScope())
        {
            foreach (var provider in all)
            {
                Assert.That(provider.EnabledSettingKey, Is.EqualTo($"WEARABLE_{provider.Slug.ToUpperInvariant()}_ENABLED"));
                Assert.That(new[] { provider.AuthorizeUrl, provider.TokenUrl, provider.ApiBaseUrl }.Select(u => u.Scheme), Is.All.EqualTo("https"), provider.Slug);
                Assert.That(provider.Revocation == RevocationStyle.None || provider.Revocation == RevocationStyle.DeleteUser || provider.RevokeUrl is not null, Is.True,
                    $"{provider.Slug} names where it revokes");
                Assert.That(provider.UserIds != UserIdSource.ProfileCall || provider.ProfilePath is not null, Is.True, $"{provider.Slug} names its profile call");
            }
        }
    }

    [TestCase("garmin")]
    [TestCase("fitbit")]
    public void ProvidersThatRequireOrSupportPkce_HaveItOn(string slug) =>
        Assert.That(Get(Catalog([]), slug).UsePkce, Is.True);

    [Test]
    public void UnconfirmedFacts_AreConfigurable()
    {
        var catalog = Catalog(new()
        {
            ["Wearables:Providers:oura:RefreshUrl"] = "https://moi.ouraring.com/oauth/v2/ext/oauth-token",
            ["Wearables:Providers:dexcom:Revocation"] = "PostToken",
            ["Wearables:Providers:dexcom:RevokeUrl"] = "https://api.dexcom.com/v2/oauth2/revoke",
            ["Wearables:Providers:dexcom:ProfilePath"] = "v3/users/self/devices",
            ["Wearables:Providers:dexcom:UserIdPath"] = "user.id",
            ["Wearables:Providers:withings:GrantRejectedStatuses:0"] = "401",
            ["Wearables:Providers:withings:GrantRejectedStatuses:1"] = "503",
        });

        var oura = Get(catalog, "oura");
        var dexcom = Get(catalog, "dexcom");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(oura.RefreshUrl, Is.EqualTo(new Uri("https://moi.ouraring.com/oauth/v2/ext/oauth-token")));
            Assert.That(oura.TokenUrl, Is.EqualTo(new Uri("https://api.ouraring.com/oauth/token")), "the code exchange stays where it was");
            Assert.That(Get(Catalog([]), "oura").RefreshUrl, Is.Null, "the token endpoint by default");
            Assert.That(dexcom.Revocation, Is.EqualTo(RevocationStyle.PostToken));
            Assert.That(dexcom.RevokeUrl, Is.EqualTo(new Uri("https://api.dexcom.com/v2/oauth2/revoke")));
            Assert.That(dexcom.ProfilePath, Is.EqualTo("v3/users/self/devices"));
            Assert.That(dexcom.UserIdPath, Is.EqualTo("user.id"));
            Assert.That(Get(catalog, "withings").GrantRejectedStatuses, Is.EqualTo(new[] { 401, 503 }));
            Assert.That(Get(Catalog([]), "withings").GrantRejectedStatuses, Is.EqualTo(new[] { 401, 283 }));
        }
    }

    [TestCase("Revoke")]
    [TestCase("3")]
    public void Revocation_ThatIsNoStyle_StopsWithTheKeyInTheMessage(string value)
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => Catalog(new() { ["Wearables:Providers:suunto:Revocation"] = value }));

        Assert.That(thrown!.Message, Does.Contain("Wearables:Providers:suunto:Revocation"));
    }

    [Test]
    public void WebhookAllowedRanges_TakeCidrNetworksAndAddresses_OfBothFamilies_AndNoneByDefault()
    {
        var withings = Get(Catalog(new()
        {
            ["Wearables:Providers:withings:WebhookAllowedRanges:0"] = "203.0.113.0/24",
            ["Wearables:Providers:withings:WebhookAllowedRanges:1"] = " 2001:db8::/32 ",
            ["Wearables:Providers:withings:WebhookAllowedRanges:2"] = "198.51.100.7",
        }), "withings");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(withings.WebhookAllowedRanges.Select(r => r.ToString()), Is.EqualTo(new[] { "203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32" }));
            Assert.That(Get(Catalog([]), "withings").WebhookAllowedRanges, Is.Empty);
        }
    }

    [TestCase("withings.example")]
    [TestCase("10.0.0.0/33")]
    public void WebhookAllowedRanges_ThatAreNoNetwork_StopWithTheKeyInTheMessage(string value)
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => Catalog(new() { ["Wearables:Providers:withings:WebhookAllowedRanges:0"] = value }));

        Assert.That(thrown!.Message, Does.Contain("Wearables:Providers:withings:WebhookAllowedRanges"));
    }

    private static ConfiguredProviderCatalog Catalog(Dictionary<string, string?> settings) => new(Configuration(settings));

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static ProviderDescriptor Get(IProviderCatalog catalog, string slug) =>
        catalog.TryGet(slug, out var descriptor) ? descriptor : throw new AssertionException($"{slug} is not in the catalog");
}
