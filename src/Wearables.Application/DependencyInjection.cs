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
        services.TryAddScoped<ProjectSettings>();
        services.TryAddScoped<ApiKeyIssuer>();
        services.TryAddScoped<Connections.ConnectionTokens>();
        services.TryAddScoped<Connections.PkceVerifiers>();
        services.TryAddScoped<Connections.ConnectionWriter>();
        services.TryAddSingleton<Connections.Commands.Disconnect.RevocationTokens>();
        services.TryAddScoped<Connections.Commands.Disconnect.ProviderRevocations>();
        services.TryAddScoped<Connections.Commands.Disconnect.IAccessTokenSource, Connections.Commands.Disconnect.RefreshingAccessTokenSource>();
        services.TryAddSingleton<Connections.Tokens.TokenRefresher>();
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

    /// <summary>All of the application's maps; also used by the configuration-validity test.</summary>
    public static MapperConfiguration CreateMapperConfiguration(string? licenseKey, ILoggerFactory loggerFactory) =>
        new(cfg =>
        {
            if (!string.IsNullOrWhiteSpace(licenseKey))
            {
                cfg.LicenseKey = licenseKey;
            }

            cfg.AddMaps(typeof(DependencyInjection).Assembly);
        }, loggerFactory);
}
