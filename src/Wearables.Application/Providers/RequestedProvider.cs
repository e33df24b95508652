using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Providers;

/// <summary>
/// The catalog entry the current request names, resolved once per request (scoped). The unknown
/// provider rule lives here only: the HTTP edge resolves the route's slug before the body is bound,
/// <see cref="ProviderExistsBehavior{TRequest, TResponse}"/> resolves it for requests that come
/// another way (and finds it already resolved otherwise), and handlers and validators read
/// <see cref="Descriptor"/> instead of looking the slug up again.
/// </summary>
public sealed class RequestedProvider(IProviderCatalog catalog)
{
    private ProviderDescriptor? descriptor;

    /// <summary>The descriptor for <paramref name="slug"/>; <see cref="NotFoundException.UnknownProvider"/> when the catalog has none.</summary>
    public ProviderDescriptor Resolve(string? slug)
    {
        if (descriptor is not null && string.Equals(descriptor.Slug, slug, StringComparison.Ordinal))
        {
            return descriptor;
        }

        if (!catalog.TryGet(slug, out var found))
        {
            throw NotFoundException.UnknownProvider();
        }

        descriptor = found;
        return found;
    }

    /// <summary>The provider resolved for this request.</summary>
    /// <exception cref="InvalidOperationException">Nothing resolved it: the request did not go through the pipeline.</exception>
    public ProviderDescriptor Descriptor =>
        descriptor ?? throw new InvalidOperationException("No provider was resolved for this request: send it through the pipeline (ProviderExistsBehavior).");
}
