using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wearables.Application.Webhooks;
using Wearables.Infrastructure.Configuration;

namespace Wearables.Infrastructure.Webhooks;

/// <summary>The webhook adapters: a verifier and a subscriber per provider that has them, and the inbox and subscriptions where the storage is.</summary>
internal static class WebhookServices
{
    public static void Add(IServiceCollection services, StorageKind storage)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, StravaWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, PolarWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, WhoopWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, OuraWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, SuuntoWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, FitbitWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, WithingsWebhookVerifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookVerifier, GarminWebhookVerifier>());
        services.TryAddSingleton<WebhookSubscriptionCalls>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookSubscriber, StravaWebhookSubscriber>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWebhookSubscriber, PolarWebhookSubscriber>());
        if (storage == StorageKind.Redis)
        {
            services.TryAddSingleton<IWebhookInbox, RedisWebhookInbox>();
            services.TryAddSingleton<IWebhookSubscriptionStore, RedisWebhookSubscriptionStore>();
        }
        else
        {
            services.TryAddSingleton<IWebhookInbox, SqliteWebhookInbox>();
            services.TryAddSingleton<IWebhookSubscriptionStore, SqliteWebhookSubscriptionStore>();
        }
    }
}
