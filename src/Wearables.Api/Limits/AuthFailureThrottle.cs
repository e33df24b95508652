using System.Threading.RateLimiting;
using Wearables.Api.Auth;
using Wearables.Api.Errors;

namespace Wearables.Api.Limits;

/// <summary>
/// Slows down guessing: failed authentications (an API key or JWT presented and refused) are
/// counted per client address (<see cref="EdgeLimits.ClientPartition"/>, so trusted proxies are
/// honoured as for the rate limits) in a fixed window; once an address has used up
/// <c>Wearables:Limits:AuthFailures:PermitLimit</c>, every request of it that presents credentials
/// is a 429 with <c>Retry-After</c> until the window ends, before its key is even looked up.
/// Other addresses, and requests without credentials, are not affected.
/// </summary>
public sealed class AuthFailureThrottle(AuthFailureOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> failures = PartitionedRateLimiter.Create<string, string>(
        address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = TimeSpan.FromSeconds(options.WindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null while the address may still try; else how long it must wait.</summary>
    public TimeSpan? Blocked(string address)
    {
        // Zero permits: asks whether any remain, without using one.
        using var probe = failures.AttemptAcquire(address, 0);
        return probe.IsAcquired ? null : probe.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(options.WindowSeconds);
    }

    public void Failed(string address)
    {
        using var _ = failures.AttemptAcquire(address);
    }

    public void Dispose() => failures.Dispose();

    /// <summary>Around authentication: refuses a blocked address, counts a refused credential.</summary>
    public sealed class Middleware(RequestDelegate next, AuthFailureThrottle throttle)
    {
        public async Task InvokeAsync(HttpContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (!PresentsCredentials(context.Request))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var address = EdgeLimits.ClientPartition(context);
            if (throttle.Blocked(address) is { } wait)
            {
                context.Response.Headers.RetryAfter = EdgeLimits.RetryAfterSeconds(wait);
                await ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
                    "Too many failed authentications from this address; retry after the time in Retry-After.").ConfigureAwait(false);
                return;
            }

            // The authentication middleware (next) authenticates every request that presents a
            // credential; a caller still anonymous afterwards presented one that was refused. A
            // request that failed instead (a store down: 503) has proven nothing and is not counted.
            await next(context).ConfigureAwait(false);
            if (context.User.Identity?.IsAuthenticated != true)
            {
                throttle.Failed(address);
            }
        }

        /// <summary>An API key (<c>X-API-Key</c>) or a bearer value (our key or a JWT): what the schemes would check.</summary>
        private static bool PresentsCredentials(HttpRequest request) => ApiKeyAuthenticationHandler.PresentedKey(request) is not null;
    }
}

/// <summary><c>Wearables:Limits:AuthFailures:*</c>.</summary>
public sealed class AuthFailureOptions
{
    /// <summary>Failed authentications an address may have per window, at least 1.</summary>
    public int PermitLimit { get; set; } = 20;

    /// <summary>The window, in seconds, at least 1.</summary>
    public int WindowSeconds { get; set; } = 60;
}
