namespace Wearables.Application.Common.Exceptions;

/// <summary>
/// A failure the API turns into a problem+json answer. <see cref="Error"/> is a stable machine code;
/// the message is shown to the caller, so it must never contain a secret, token, code or state.
/// </summary>
public abstract class AppException(string error, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Error { get; } = error;
}

/// <summary>400: the request could not be operated (malformed, provider said no, bad callback).</summary>
public sealed class BadRequestException(string error, string message) : AppException(error, message);

/// <summary>401: no or bad credentials (API key, JWT, OAuth state).</summary>
public sealed class UnauthorizedException(string error, string message) : AppException(error, message);

/// <summary>403: authenticated, but not allowed to do this.</summary>
public sealed class ForbiddenException(string error, string message) : AppException(error, message);

/// <summary>404: the thing does not exist, or belongs to another project.</summary>
public sealed class NotFoundException(string error, string message) : AppException(error, message)
{
    /// <summary>The one answer for a slug that is not in the catalog (pipeline and HTTP edge alike).</summary>
    public static NotFoundException UnknownProvider() => new("provider_not_found", "Unknown wearable provider.");
}

/// <summary>
/// 409: the thing changed under us (<see cref="Concurrent"/>: another writer won, reading again may
/// succeed), or its state refuses the request (a business conflict: reading again changes nothing).
/// </summary>
public sealed class ConflictException(string error, string message, Exception? inner = null) : AppException(error, message, inner)
{
    /// <summary>The code of a lost optimistic write: the only conflict a save loop reads again for.</summary>
    public const string ConcurrentWriteError = "connection_conflict";

    public bool IsConcurrentWrite => Error == ConcurrentWriteError;

    /// <summary>The one answer of a store whose version check refused a write.</summary>
    public static ConflictException Concurrent(Exception? inner = null) =>
        new(ConcurrentWriteError, "The connection was changed concurrently; retry.", inner);
}

/// <summary>422: a business rule refused the request (provider disabled, credentials missing…).</summary>
public sealed class UnprocessableException(string error, string message) : AppException(error, message);

/// <summary>429: too many of something; the answer carries <c>Retry-After</c>.</summary>
public sealed class TooManyRequestsException(string error, string message, TimeSpan retryAfter) : AppException(error, message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>415: a body in an encoding or media type the service does not read.</summary>
public sealed class UnsupportedMediaTypeException(string error, string message) : AppException(error, message);

/// <summary>502: an upstream (provider, Junction) was unreachable, too slow, or answered nonsense.</summary>
public sealed class UpstreamException(string error, string message, Exception? inner = null) : AppException(error, message, inner);

/// <summary>503: one of our own dependencies (Redis, SQLite, FHIR server) is down.</summary>
public sealed class DependencyUnavailableException(string error, string message, Exception? inner = null) : AppException(error, message, inner);

/// <summary>
/// Field-level validation failures. 422 by default; 400 for requests whose contract says so
/// (see <see cref="Behaviors.IReportsValidationAsBadRequest"/>).
/// </summary>
public sealed class RequestValidationException(string error, string message, IReadOnlyDictionary<string, string[]> errors, bool asBadRequest)
    : AppException(error, message)
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public bool AsBadRequest { get; } = asBadRequest;
}
