using Microsoft.Extensions.Configuration;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Providers;

namespace Wearables.Infrastructure.Tests.Providers;

/// <summary>PKCE per catalog entry: the entry's default, overridden by <c>Wearables:Providers:&lt;slug&gt;:UsePkce</c>.</summary>
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

    private static ConfiguredProviderCatalog Catalog(Dictionary<string, string?> settings) => new(Configuration(settings));

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static ProviderDescriptor Get(IProviderCatalog catalog, string slug) =>
        catalog.TryGet(slug, out var descriptor) ? descriptor : throw new AssertionException($"{slug} is not in the catalog");
}
