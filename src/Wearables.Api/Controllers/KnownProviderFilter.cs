using Microsoft.AspNetCore.Mvc.Filters;
using Wearables.Application.Providers;

namespace Wearables.Api.Controllers;

/// <summary>
/// Resolves the route's <c>{provider}</c> before anything else, model binding included: the spec
/// orders "unknown provider" (404) ahead of a malformed body. The rule and the lookup are the
/// application's (<see cref="RequestedProvider"/>); the pipeline then finds the provider resolved.
/// One instance for the process (it keeps nothing; the request's <see cref="RequestedProvider"/> comes
/// from its services), so that MVC can cache every action's filter pipeline instead of building it per request.
/// </summary>
public sealed class KnownProviderFilter : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RouteData.Values.TryGetValue("provider", out var value) && !AllowsAnySlug(context.ActionDescriptor.EndpointMetadata))
        {
            context.HttpContext.RequestServices.GetRequiredService<RequestedProvider>().Resolve(value as string);
        }
    }

    private static bool AllowsAnySlug(IList<object> metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            if (metadata[i] is AnyProviderSlugAttribute)
            {
                return true;
            }
        }

        return false;
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}

/// <summary>
/// The action's <c>{provider}</c> may name a provider outside the catalog (one reached through
/// Junction Link): the use case answers for it, the edge does not refuse it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AnyProviderSlugAttribute : Attribute;
