using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Api.Hosting;
using Wearables.Api.Limits;
using Wearables.Api.OpenApi;
using Wearables.Api.Validation;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Api;

public static class ApiServices
{
    /// <summary>Maximum request body: the largest legitimate body is a few kilobytes.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>Controllers, auth, errors, OpenAPI and health for the HTTP edge.</summary>
    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound here only: the adapters bind their own part of the section (WearablesOptions).
        var options = configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        services.TryAddSingleton(Options.Create(options));
        services.AddHttpContextAccessor();
        services.AddScoped<ICallerContext, HttpCallerContext>();
        services.AddScoped<Application.Connections.IOAuthCallbackUri, OAuthCallbackUri>();
        services.AddWearablesAuthentication(options.Auth.Jwt);
        services.AddAuthorization(Policies.Add);
        services.AddExceptionHandler<ExceptionToProblemHandler>();
        services.AddProblemDetails();
        // First of the hosted services, so that it stops last of them (see ShutdownDrain).
        services.AddHostedService<ShutdownDrain>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(1, options.ShutdownTimeoutSeconds)));
        services.AddHostedService<BootstrapAdminKey>();
        services.TryAddSingleton<RevocationRetryService>();
        services.AddHostedService(p => p.GetRequiredService<RevocationRetryService>());
        services.AddHostedService<TokenRefreshSweepService>();
        services.TryAddSingleton<ParkedGrantRetryService>();
        services.AddHostedService(p => p.GetRequiredService<ParkedGrantRetryService>());
        services.AddScoped<Application.Webhooks.IWebhookCallbackUri, WebhookCallbackUri>();
        services.TryAddSingleton<WebhookInboxService>();
        services.TryAddSingleton<Application.Webhooks.IWebhookInboxSignal>(p => p.GetRequiredService<WebhookInboxService>());
        services.AddHostedService(p => p.GetRequiredService<WebhookInboxService>());
        services.AddEdgeLimits(options.Limits);
        Diagnostics.MetricsEndpoint.AddWearablesMetrics(services, options.Metrics);
        services.AddHostedService<OlderKeyCensusService>();
        services.TryAddSingleton<StartupWarmup>();
        services.AddHostedService(p => p.GetRequiredService<StartupWarmup>());
        services.AddHealthChecks()
            .AddCheck<WarmupHealthCheck>("warm-up", tags: ["ready"])
            .AddCheck<StoreHealthCheck>("stores", tags: ["ready"])
            .AddCheck<OlderKeyHealthCheck>("encryption-keys", tags: ["ready"]);

        services
            .AddControllers(o =>
            {
                o.Filters.Add(new RequestSizeLimitAttribute(MaxRequestBodyBytes));
                // Instances, not types: a filter added by type is created per request, and makes MVC build the
                // action's filter pipeline per request too (bench/HISTORY.md).
                o.Filters.Add(new Controllers.KnownProviderFilter());
                o.Filters.Add(new Controllers.Utf8BodyFilter());

                // The API takes JSON bodies only: form value providers would parse (and choke on) any form body.
                o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
                o.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
                o.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
            })
            .AddJsonOptions(o =>
            {
                o.JsonSerializerOptions.AllowTrailingCommas = false;

                // {"clientId":"a","clientId":"b"} (or "ClientId") is ambiguous: which one did the client mean? 400.
                o.JsonSerializerOptions.AllowDuplicateProperties = false;
                o.JsonSerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            })
            .ConfigureApiBehaviorOptions(o =>
            {
                // Client errors (415, 405…) are written by our status-code page, in our problem shape.
                o.SuppressMapClientErrors = true;
                o.InvalidModelStateResponseFactory = context =>
            {
                // Binding failures are malformed requests: 400, without echoing the input.
                var problem = ProblemWriter.Create(context.HttpContext, StatusCodes.Status400BadRequest, "malformed_request",
                    "The request body is missing or is not valid JSON of the expected shape.");
                return new ObjectResult(problem) { StatusCode = StatusCodes.Status400BadRequest, ContentTypes = { ProblemWriter.ContentType } };
            };
            });

        services.AddEdgeValidation();
        services.AddWearablesOpenApi();
        return services;
    }
}
