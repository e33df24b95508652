using Wearables.Api.Errors;
using Wearables.Application.Connections.Tokens;

namespace Wearables.Api.Hosting;

/// <summary>
/// Graceful shutdown, with <c>Wearables:ShutdownTimeoutSeconds</c> as the host's bound. Once the host is
/// stopping, new requests are refused (503 <c>shutting_down</c>, <c>Connection: close</c>), so that a load
/// balancer moves on, while requests already in progress (callbacks, token answers) finish: Kestrel waits
/// for them. Registered before every other hosted service, this one stops last of them: by then the
/// background loops have ended, and it waits for token refreshes still in progress whose callers stopped
/// waiting (the sweep's), so that the pair a provider issued is stored before the process exits.
/// </summary>
public sealed class ShutdownDrain(TokenRefresher refresher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => refresher.WhenIdleAsync(cancellationToken);

    /// <summary>The middleware that refuses requests once the host is stopping.</summary>
    public static async Task RefuseWhileStoppingAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            context.Response.Headers.Connection = "close";
            context.Response.Headers.RetryAfter = "1";
            await ProblemWriter.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "shutting_down", "The service is shutting down; try again (another instance).").ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
