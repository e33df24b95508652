using AutoMapper;
using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Providers;
using Wearables.Application.Credentials;
using Wearables.Application.Settings;

namespace Wearables.Application;

public static class DependencyInjection
{
    /// <summary>
    /// Use cases, pipeline behaviors, validators and maps. Handlers are registered by hand: the
    /// MediatR DI package is not available here (see README, dependency deviations). Safe to call twice.
    /// </summary>
    public static IServiceCollection AddApplication(this IServiceCollection services, string? autoMapperLicenseKey = null)
    {
        var assembly = typeof(DependencyInjection).Assembly;

        // Error messages name fields as clients send them (camelCase JSON), not as C# properties.
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Name);

        // MediatR 5: the mediator asks a ServiceFactory for handlers and behaviors. Scoped, so that
        // handlers get the request's scoped services (caller context, stores).
        services.TryAddScoped<ServiceFactory>(provider => provider.GetService!);
        services.TryAddScoped<IMediator, Mediator>();

        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType))
            {
                var definition = contract.GetGenericTypeDefinition();
                if (definition == typeof(IRequestHandler<,>))
                {
                    services.TryAddEnumerable(ServiceDescriptor.Scoped(contract, type));
                }
            }
        }

        // Singletons: rules are built once. Request-scoped needs go through Common.Validation.RequestServices.
        services.AddValidatorsFromAssemblyContaining(typeof(DependencyInjection), ServiceLifetime.Singleton, includeInternalTypes: true);

        // Order matters: the first registered is the outermost. Behaviors without request-scoped needs are singletons.
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>)));
        services.TryAddEnumerable(ServiceDescriptor.Scoped(typeof(IPipelineBehavior<,>), typeof(ProviderExistsBehavior<,>)));
        services.TryAddEnumerable(ServiceDescriptor.Scoped(typeof(IPipelineBehavior<,>), typeof(PatientAccessBehavior<,>)));
        services.TryAddEnumerable(ServiceDescriptor.Scoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>)));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OpenedClientIds>();
        services.TryAddScoped<RequestedProvider>();
        services.TryAddScoped<ProjectCredentials>();
        services.TryAddScoped<Junction.JunctionCredentials>();
        services.TryAddScoped<ProjectSettings>();
        services.TryAddScoped<ApiKeyIssuer>();
        services.TryAddScoped<Connections.ConnectionTokens>();
        services.TryAddScoped<Connections.PkceVerifiers>();
        services.TryAddScoped<Connections.ConnectionWriter>();
        services.TryAddSingleton<Connections.Commands.Disconnect.RevocationTokens>();
        services.TryAddScoped<Connections.Commands.Disconnect.ProviderRevocations>();
        services.TryAddScoped<Connections.Commands.HandleCallback.ParkedGrants>();

        // The defaults; the host's configuration replaces them (AddInfrastructure).
        services.TryAddSingleton(new Connections.Commands.HandleCallback.ParkedGrantOptions());
        services.TryAddSingleton<Encryption.KeyCheck>();
        services.TryAddScoped<Encryption.KeyRotation>();
        services.TryAddSingleton<Encryption.OlderKeyCensus>();
        services.TryAddScoped<Connections.Commands.Disconnect.IAccessTokenSource, Connections.Commands.Disconnect.RefreshingAccessTokenSource>();
        services.AddWearablesMetrics();
        services.TryAddSingleton<Connections.Tokens.TokenRefresher>();
        services.TryAddSingleton<Connections.Tokens.SharedConnectionReads>();
        services.TryAddScoped<Connections.Tokens.RefreshRun>();
        services.TryAddSingleton<Connections.Tokens.RefreshSweep>();
        services.TryAddSingleton<Webhooks.WebhookProviders>();
        services.TryAddScoped<Webhooks.WebhookSecretsReader>();
        services.TryAddScoped<Webhooks.ProjectWebhookSubscription>();
        services.TryAddScoped<Webhooks.WebhookEventApplier>();
        services.TryAddSingleton<Webhooks.WebhookInboxDrain>();

        services.TryAddSingleton(provider => CreateMapperConfiguration(
            autoMapperLicenseKey, provider.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<IMapper>(provider => provider.GetRequiredService<MapperConfiguration>().CreateMapper(provider.GetService));
        return services;
    }

    /// <summary>The <see cref="Common.Metrics.WearablesMetrics"/> instruments, on the host's meter factory when it has one. Safe to call twice.</summary>
    public static IServiceCollection AddWearablesMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => new Common.Metrics.WearablesMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }

    /// <summary>AutoMapper's licence category: where it writes "You do not have a valid license key…".</summary>
    public const string AutoMapperLicenseCategory = "LuckyPennySoftware.AutoMapper.License";

    /// <summary>All of the application's maps; also used by the configuration-validity test.</summary>
    /// <remarks>
    /// Without a licence key, AutoMapper's licence notice is not written to the service's log: the
    /// operator's obligations are stated once in the README (RPL-1.5, or a commercial key), not as a
    /// warning in every instance's log. With a key (configuration or AutoMapper's own environment
    /// variables) its validation messages (an invalid or expired key) are logged as usual.
    /// </remarks>
    public static MapperConfiguration CreateMapperConfiguration(string? licenseKey, ILoggerFactory loggerFactory)
    {
        var keyed = !string.IsNullOrWhiteSpace(licenseKey)
            || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AUTOMAPPER_LICENSE_KEY"))
            || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("LUCKYPENNY_LICENSE_KEY"));
        return new(cfg =>
        {
            if (!string.IsNullOrWhiteSpace(licenseKey))
            {
                cfg.LicenseKey = licenseKey;
            }

            cfg.AddMaps(typeof(DependencyInjection).Assembly);
        }, keyed ? loggerFactory : new WithoutCategory(loggerFactory, AutoMapperLicenseCategory));
    }

    /// <summary>The same loggers, except that one category writes nothing.</summary>
    private sealed class WithoutCategory(ILoggerFactory inner, string category) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            string.Equals(categoryName, category, StringComparison.Ordinal)
                ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The inner factory is the host's: it is not ours to dispose.
        public void Dispose()
        {
        }
    }
}
