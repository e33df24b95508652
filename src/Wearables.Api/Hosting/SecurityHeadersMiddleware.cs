using Microsoft.Net.Http.Headers;

namespace Wearables.Api.Hosting;

/// <summary>
/// Headers on every answer, added as the response starts (so that error answers, whose headers the
/// exception handler clears, carry them too): <c>nosniff</c> everywhere; <c>no-store</c> on
/// everything but the public OpenAPI UI and document (every other answer may carry project data);
/// a CSP on the UI that forbids framing and still lets its own scripts and styles run.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string SwaggerCsp =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (http.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = SwaggerCsp;
                headers.XFrameOptions = "DENY";
            }
            else
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
