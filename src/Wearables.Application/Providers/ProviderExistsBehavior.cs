using MediatR;
using Wearables.Application.Common.Behaviors;

namespace Wearables.Application.Providers;

/// <summary>An unknown provider slug is a 404 before validation or any I/O (the rule: <see cref="RequestedProvider.Resolve"/>).</summary>
public sealed class ProviderExistsBehavior<TRequest, TResponse>(RequestedProvider requested) : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (request is IProviderRequest p)
        {
            requested.Resolve(p.Provider);
        }

        return next();
    }
}
