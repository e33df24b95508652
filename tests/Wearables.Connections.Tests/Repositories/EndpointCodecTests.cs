using Wearables.Application.Providers;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Providers;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The codec's own rules, apart from any store.</summary>
[TestFixture]
public sealed class EndpointCodecTests
{
    [Test]
    public void Encode_TakesTheProviderDisplayNameFromTheCatalog()
    {
        var strava = ConfiguredProviderCatalog.Defaults.Single(p => p.Slug == "strava") with { DisplayName = "Strava (sandbox)" };
        var codec = new EndpointCodec(new OneProviderCatalog(strava));

        var endpoint = codec.ToEndpoint(ConnectionVariants.Build("oauth-active", "proj-codec", "pat-1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(endpoint.ConnectionType.Display, Is.EqualTo("Strava (sandbox)"));
            Assert.That(endpoint.Name, Is.EqualTo("Strava (sandbox) connection of Patient/pat-1"));
        }
    }

    [TestCase("oura", "Oura")]
    [TestCase("google_fit", "Google Fit")]
    public void Encode_AProviderOutsideTheCatalog_IsNamedByItsSlug(string slug, string expected)
    {
        var codec = new EndpointCodec(new OneProviderCatalog(ConfiguredProviderCatalog.Defaults[0]));
        var connection = Connection.Create("proj-codec", "pat-1", slug, ConnectionSource.Junction, ConnectionVariants.T0);

        Assert.That(codec.ToEndpoint(connection).ConnectionType.Display, Is.EqualTo(expected));
    }

    [TestCase("""[1, 2]""", TestName = "Decode_JsonThatIsNoConnection_ThrowsInvalidData(array)")]
    [TestCase("""{"resourceType":"OperationOutcome","issue":[]}""", TestName = "Decode_JsonThatIsNoConnection_ThrowsInvalidData(another resource type)")]
    [TestCase("""{"resourceType":"Endpoint","status":"active","address":"x"}""", TestName = "Decode_JsonThatIsNoConnection_ThrowsInvalidData(an Endpoint of no connection)")]
    [TestCase("""{"resourceType":"Endpoint","meta":{"tag":[{"system":"https://wearables.dev/fhir/project","code":"p"}]},"status":"zzz","identifier":[{"system":"https://wearables.dev/fhir/sid/patient","value":"pat"}],"connectionType":{"code":"strava"},"address":"x"}""", TestName = "Decode_JsonThatIsNoConnection_ThrowsInvalidData(a status R4 does not know)")]
    [TestCase("""{"resourceType":"Endpoint",""", TestName = "Decode_JsonThatIsNoConnection_ThrowsInvalidData(cut short)")]
    public void Decode_JsonThatIsNoConnection_ThrowsInvalidData(string json) =>
        Assert.Throws<InvalidDataException>(() => EndpointCodec.Decode(json, null));

    private sealed class OneProviderCatalog(ProviderDescriptor only) : IProviderCatalog
    {
        public IReadOnlyCollection<ProviderDescriptor> All => [only];

        public bool TryGet(string? slug, out ProviderDescriptor descriptor)
        {
            descriptor = slug == only.Slug ? only : null!;
            return slug == only.Slug;
        }
    }
}
