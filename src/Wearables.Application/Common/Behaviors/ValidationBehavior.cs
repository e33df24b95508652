using FluentValidation;
using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Common.Behaviors;

/// <summary>
/// Runs the request's FluentValidation validators. The first failure's error code becomes the
/// problem's <c>error</c>; every failure is listed under <c>errors</c>. Nothing runs past a failure.
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
            var first = failures[0];
            var errors = failures
                .GroupBy(f => ToCamelCase(f.PropertyName), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
            var code = string.IsNullOrEmpty(first.ErrorCode) || first.ErrorCode.EndsWith("Validator", StringComparison.Ordinal)
                ? "validation_failed"
                : first.ErrorCode;
            throw new RequestValidationException(code, first.ErrorMessage, errors, request is IReportsValidationAsBadRequest);
        }

        return await next().ConfigureAwait(false);
    }

    private static string ToCamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
