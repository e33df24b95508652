using Microsoft.Extensions.Configuration;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Providers;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The codec as the service builds it: display names from the built-in provider catalog.</summary>
internal static class TestCodec
{
    public static EndpointCodec Instance { get; } = new(new ConfiguredProviderCatalog(new ConfigurationBuilder().Build()));
}
