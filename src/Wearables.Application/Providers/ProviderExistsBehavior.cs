using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Behaviors;

namespace Wearables.Application.Providers;

/// <summary>An unknown provider slug is a 404 before validation or any I/O.</summary>
public sealed class ProviderExistsBehavior<TRequest, TResponse>(IProviderCatalog catalog) : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (request is IProviderRequest p && !catalog.TryGet(p.Provider, out _))
        {
            throw NotFoundException.UnknownProvider();
        }

        return next();
    }
}
