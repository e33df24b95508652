using FluentValidation.Results;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Common.Validation;

/// <summary>
/// The one answer to failed validation, wherever the validator ran (the pipeline, or the HTTP edge
/// for bodies checked there): the first failure's error code becomes the problem's <c>error</c>,
/// every failure is listed under <c>errors</c> with its field in camelCase.
/// </summary>
public static class ValidationFailures
{
    public static RequestValidationException ToException(IReadOnlyList<ValidationFailure> failures, bool asBadRequest)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var first = failures[0];
        var errors = failures
            .GroupBy(f => ToCamelCase(f.PropertyName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var code = string.IsNullOrEmpty(first.ErrorCode) || first.ErrorCode.EndsWith("Validator", StringComparison.Ordinal)
            ? "validation_failed"
            : first.ErrorCode;
        return new RequestValidationException(code, first.ErrorMessage, errors, asBadRequest);
    }

    private static string ToCamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
