using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Common.Behaviors;

/// <summary>A patient caller may act only on its own patient id.</summary>
public sealed class PatientAccessBehavior<TRequest, TResponse>(ICallerContext callerContext) : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (request is IPatientScopedRequest scoped && scoped.PatientId is { } patientId && !callerContext.Caller.MayActFor(patientId))
        {
            throw new ForbiddenException("patient_forbidden", "A patient may act only on its own patient id.");
        }

        return next();
    }
}
