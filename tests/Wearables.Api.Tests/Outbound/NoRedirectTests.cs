using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Infrastructure.Fhir;
using Wearables.Infrastructure.Junction;
using Wearables.Infrastructure.Providers;

namespace Wearables.Api.Tests.Outbound;

/// <summary>Every outbound client's primary handler refuses to follow redirects (a 3xx would carry our credentials along).</summary>
public sealed class NoRedirectTests
{
    [TestCase(OAuthProviderClient.HttpClientName)]
    [TestCase(JunctionClient.HttpClientName)]
    [TestCase(FhirConnectionRepository.HttpClientName)]
    [TestCase("")]
    public async Task NamedClient_DoesNotFollowRedirects(string name)
    {
        await using var factory = new WearablesApiFactory(StorageMode.Embedded, new Dictionary<string, string?>
        {
            ["Wearables:Connections"] = "Fhir",
            ["Wearables:Fhir:BaseUrl"] = "http://127.0.0.1:9/fhir",
        });

        HttpMessageHandler? handler = factory.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(name);
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        var follows = handler switch
        {
            SocketsHttpHandler sockets => sockets.AllowAutoRedirect,
            HttpClientHandler client => client.AllowAutoRedirect,
            _ => throw new AssertionException($"unexpected primary handler {handler?.GetType()}"),
        };
        Assert.That(follows, Is.False, $"client '{name}' follows redirects");
    }
}
