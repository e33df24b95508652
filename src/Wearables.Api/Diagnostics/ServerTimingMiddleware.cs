using Wearables.Infrastructure.Diagnostics;

namespace Wearables.Api.Diagnostics;

/// <summary>
/// <c>Server-Timing: provider;dur=…, store;dur=…, total;dur=…</c> (milliseconds) on every answer, when
/// <c>Wearables:Diagnostics:ServerTiming</c> is on: the time spent in provider and Junction calls, in
/// stores, and in total until the answer starts. Durations only, never anything of the request.
/// </summary>
public sealed class ServerTimingMiddleware(RequestDelegate next)
{
    public const string HeaderName = "Server-Timing";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var timings = RequestTimings.Begin();
        var response = context.Response;
        response.OnStarting(() =>
        {
            response.Headers[HeaderName] = timings.ToServerTimingHeader();
            return Task.CompletedTask;
        });
        await next(context).ConfigureAwait(false);
    }
}
