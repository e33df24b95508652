using Microsoft.AspNetCore.Mvc.Filters;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;

namespace Wearables.Api.Controllers;

/// <summary>
/// An unknown <c>{provider}</c> in the route is a 404 before anything else, model binding included:
/// the spec orders "unknown provider" ahead of a malformed body.
/// </summary>
public sealed class KnownProviderFilter(IProviderCatalog catalog) : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RouteData.Values.TryGetValue("provider", out var value) && !catalog.TryGet(value as string, out _))
        {
            throw NotFoundException.UnknownProvider();
        }
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
