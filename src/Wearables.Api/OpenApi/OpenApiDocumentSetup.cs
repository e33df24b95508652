using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Generation.TypeMappers;
using NSwag;
using Microsoft.Extensions.Options;
using Wearables.Api.Auth;
using Wearables.Api.Hosting;
using Wearables.Application.Providers;

namespace Wearables.Api.OpenApi;

/// <summary>
/// The OpenAPI document (NSwag) at <c>/swagger/v1/swagger.json</c> and its UI at <c>/swagger</c>.
/// Operations are named <c>Controller_Action</c> (e.g. <c>Connections_List</c>), tags are the
/// controllers with their summaries, schemas the types' names: readable in a generated client.
/// </summary>
public static class OpenApiDocumentSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = UiPath + "/{documentName}/swagger.json";

    /// <summary>Where the UI and the document live; nothing else of the service is under it.</summary>
    public const string UiPath = "/swagger";

    public static IServiceCollection AddWearablesOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddOpenApiDocument(settings =>
        {
            settings.DocumentName = DocumentName;
            settings.Title = "Wearables";
            settings.Version = DocumentName;
            settings.Description = "Connects patients' wearable accounts to a FHIR-based digital-health platform.";
            settings.UseControllerSummaryAsTagDescription = true;

            // A setting's value is a JSON boolean or a string (see SetSettingRequest), not an object.
            settings.SchemaSettings.TypeMappers.Add(new PrimitiveTypeMapper(typeof(JsonElement), schema =>
            {
                schema.OneOf.Add(new JsonSchema { Type = JsonObjectType.Boolean });
                schema.OneOf.Add(new JsonSchema { Type = JsonObjectType.String });
            }));

            settings.AddSecurity(SecurityRequirementsProcessor.ApiKeyScheme, new OpenApiSecurityScheme
            {
                Type = OpenApiSecuritySchemeType.ApiKey,
                In = OpenApiSecurityApiKeyLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "Project API key.",
            });
            settings.AddSecurity(SecurityRequirementsProcessor.BearerScheme, new OpenApiSecurityScheme
            {
                Type = OpenApiSecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A project API key, or a JWT from the configured issuer (claims: project, role, patient).",
            });
            settings.OperationProcessors.Add(new SecurityRequirementsProcessor());
            settings.OperationProcessors.Add(new ResponseContentProcessor());
            settings.OperationProcessors.Add(new ProviderParameterProcessor(
                ProviderParameterProcessor.CatalogSlugs(Infrastructure.Providers.ConfiguredProviderCatalog.Defaults)));
            settings.PostProcess = document =>
            {
                // The repository grants no licence: the document says so rather than naming one.
                document.Info.License = new OpenApiLicense { Name = "Proprietary (no licence granted)", Url = "https://choosealicense.com/no-permission/" };
                foreach (var property in document.Components.Schemas.Values.SelectMany(s => s.Properties.Values).Where(p => p.OneOf.Count > 0))
                {
                    // OpenAPI 3.0 allows "nullable" only beside a "type"; a null value is refused anyway (422).
                    property.IsNullableRaw = null;
                }
            };
        });
        return services;
    }

    public static IApplicationBuilder UseWearablesOpenApi(this IApplicationBuilder app) =>
        // NSwag's middleware answers any method on its paths; the document and the UI are read-only,
        // so only GET and HEAD reach them (a PUT or DELETE falls through to routing: 404/405 problem).
        // Only their own paths enter the branch: its five middlewares (document, redirect, UI index,
        // default and static files) no longer look at every GET of the API.
        app.UseWhen(
            context => (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                && context.Request.Path.StartsWithSegments(UiPath, StringComparison.OrdinalIgnoreCase),
            branch => UseDocumentAndUi(branch));

    private static void UseDocumentAndUi(IApplicationBuilder app)
    {
        app.UseOpenApi(o =>
        {
            o.Path = DocumentPath;

            // The server is the service as its callers reach it (Wearables:PublicBaseUrl, else this request's host).
            o.PostProcess = (document, request) =>
            {
                document.Servers.Clear();
                document.Servers.Add(new OpenApiServer
                {
                    Url = OAuthCallbackUri.PublicBase(request.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value, request).ToString().TrimEnd('/'),
                    Description = "This service.",
                });
            };
        });
        app.UseSwaggerUi(o =>
        {
            o.Path = UiPath;
            o.DocumentPath = DocumentPath;
        });
    }
}
