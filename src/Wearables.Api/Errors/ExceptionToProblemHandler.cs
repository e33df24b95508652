using Microsoft.AspNetCore.Diagnostics;
using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Common;

namespace Wearables.Api.Errors;

/// <summary>
/// Turns every failure into the problem+json shape, in one switch. Never a stack trace, never an
/// exception message of a foreign library (it may quote input); our own messages are written to be shown.
/// </summary>
public sealed partial class ExceptionToProblemHandler(ILogger<ExceptionToProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, error, detail, errors) = exception switch
        {
            RequestValidationException v => (v.AsBadRequest ? 400 : 422, v.Error, v.Message, v.Errors),
            BadRequestException e => (400, e.Error, e.Message, null),
            UnauthorizedException e => (401, e.Error, e.Message, null),
            ForbiddenException e => (403, e.Error, e.Message, null),
            NotFoundException e => (404, e.Error, e.Message, null),
            ConflictException e => (409, e.Error, e.Message, null),
            UnprocessableException e => (422, e.Error, e.Message, null),
            UnsupportedMediaTypeException e => (415, e.Error, e.Message, null),
            DomainRuleException e => (422, e.Code, e.Message, null),
            TooManyRequestsException e => (429, e.Error, e.Message, null),
            UpstreamException e => (502, e.Error, e.Message, null),
            DependencyUnavailableException e => (503, e.Error, e.Message, null),
            BadHttpRequestException e => (e.StatusCode, e.StatusCode == 413 ? "payload_too_large" : "bad_request", "The request could not be read.", null),
            _ => (500, "internal_error", "The server encountered an unexpected condition. Please try again later.", (IReadOnlyDictionary<string, string[]>?)null),
        };

        // The client left: whatever failed since is no fault of ours to report, and nobody reads the answer.
        if (httpContext.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, status, error);
            return true;
        }

        if (status >= 500)
        {
            // Type and our own code only; the inner exception's type helps operators find the dependency.
            LogServerFailure(logger, status, error, exception.GetType().Name, exception.InnerException?.GetType().Name);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        if (exception is TooManyRequestsException tooMany)
        {
            httpContext.Response.Headers.RetryAfter = Limits.EdgeLimits.RetryAfterSeconds(tooMany.RetryAfter);
        }

        await ProblemWriter.WriteAsync(httpContext, status, error, detail, errors).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(LogLevel.Debug, "Client went away before the answer ({Status} {Error})")]
    private static partial void LogClientGone(ILogger logger, int status, string error);

    [LoggerMessage(LogLevel.Error, "Answered {Status} {Error}: {ExceptionType} (inner {InnerType})")]
    private static partial void LogServerFailure(ILogger logger, int status, string error, string exceptionType, string? innerType);
}
