using System.Diagnostics;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>Adds each outbound provider or Junction call, answer body included, to <see cref="RequestTimings.Provider"/>.</summary>
public sealed class ProviderTimingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var timings = RequestTimings.Current;
        if (timings is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

            // The clients read whole answers (HttpCompletionOption.ResponseContentRead) anyway: reading it
            // here puts the body's arrival in the provider's time, not in ours.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        finally
        {
            timings.AddProvider(Stopwatch.GetElapsedTime(started));
        }
    }
}
