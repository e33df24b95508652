using NJsonSchema;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;
using Wearables.Api.Controllers;
using Wearables.Application.Providers;

namespace Wearables.Api.OpenApi;

/// <summary>
/// The route's <c>{provider}</c> is documented as an enum of the catalog's slugs, generated from the catalog
/// (so a provider added there appears here), except on actions that also take providers reached through
/// Junction (<see cref="AnyProviderSlugAttribute"/>), whose slug is any lower-case word.
/// </summary>
public sealed class ProviderParameterProcessor(IReadOnlyList<string> slugs) : IOperationProcessor
{
    public bool Process(OperationProcessorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is AspNetCoreOperationProcessorContext aspNetCore
            && aspNetCore.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AnyProviderSlugAttribute>().Any())
        {
            return true;
        }

        foreach (var parameter in context.OperationDescription.Operation.Parameters.Where(p => p.Name == "provider" && p.Kind == NSwag.OpenApiParameterKind.Path))
        {
            var schema = parameter.Schema ?? new JsonSchema { Type = JsonObjectType.String };
            schema.Enumeration.Clear();
            foreach (var slug in slugs)
            {
                schema.Enumeration.Add(slug);
            }

            parameter.Schema = schema;
        }

        return true;
    }

    /// <summary>The slugs of the built-in catalog, in order.</summary>
    public static IReadOnlyList<string> CatalogSlugs(IEnumerable<ProviderDescriptor> catalog) =>
        catalog.Select(p => p.Slug).Order(StringComparer.Ordinal).ToList();
}
