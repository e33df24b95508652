using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wearables.Application.ApiKeys;
using Wearables.Application.Connections;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>What <c>Wearables:Diagnostics:ServerTiming</c> adds: provider calls and store ports measured into <see cref="RequestTimings"/>.</summary>
internal static class ServerTimingServices
{
    /// <summary>Run after the stores are registered. Safe to call twice (nothing is measured twice).</summary>
    public static void Add(IServiceCollection services, params IHttpClientBuilder[] providerClients)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return;
        }

        services.AddSingleton(new Marker());
        services.TryAddTransient<ProviderTimingHandler>();
        foreach (var client in providerClients)
        {
            client.AddHttpMessageHandler<ProviderTimingHandler>();
        }

        Decorate<IProjectSecretStore>(services);
        Decorate<IProjectSettingsStore>(services);
        Decorate<IApiKeyStore>(services);
        Decorate<IOAuthStateStore>(services);
        Decorate<IConnectionRepository>(services);
    }

    /// <summary>Wraps the registration that resolves <typeparamref name="T"/>, keeping its lifetime.</summary>
    private static void Decorate<T>(IServiceCollection services)
        where T : class =>
        ServiceDecoration.Decorate<T>(services, (_, inner) => TimedStore.Wrap(inner));

    private sealed class Marker;
}
