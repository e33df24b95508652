using System.Diagnostics;
using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Application.Common.Behaviors;

/// <summary>
/// Logs each use case by name, outcome and duration. Never the request itself: payloads carry
/// secrets, codes and states.
/// </summary>
public sealed partial class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> logger)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var name = typeof(TRequest).Name;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next().ConfigureAwait(false);
            LogHandled(logger, name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (AppException ex)
        {
            LogRefused(logger, name, ex.Error, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception type only: messages of foreign exceptions may quote inputs.
            LogFailed(logger, name, ex.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Handled {Request} in {ElapsedMs:0.0} ms")]
    private static partial void LogHandled(ILogger logger, string request, double elapsedMs);

    [LoggerMessage(LogLevel.Information, "Refused {Request}: {Error} after {ElapsedMs:0.0} ms")]
    private static partial void LogRefused(ILogger logger, string request, string error, double elapsedMs);

    [LoggerMessage(LogLevel.Error, "Failed {Request}: {ExceptionType} after {ElapsedMs:0.0} ms")]
    private static partial void LogFailed(ILogger logger, string request, string exceptionType, double elapsedMs);
}
