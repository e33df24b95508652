using FluentValidation;
using MediatR;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Common.Behaviors;

/// <summary>
/// Runs the request's FluentValidation validators; a failure is answered as <see cref="ValidationFailures"/>
/// says. Nothing runs past a failure.
/// The validators are singletons; this request's services reach their rules through the context (<see cref="RequestServices"/>).
/// </summary>
public sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators, IServiceProvider requestServices) : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
        {
            var context = new ValidationContext<TRequest>(request);
            RequestServices.Attach(context, requestServices);
            var result = await validator.ValidateAsync(context, cancellationToken).ConfigureAwait(false);
            failures.AddRange(result.Errors);
        }

        if (failures.Count > 0)
        {
            throw ValidationFailures.ToException(failures, request is IReportsValidationAsBadRequest);
        }

        return await next().ConfigureAwait(false);
    }
}
