namespace Wearables.Infrastructure;

/// <summary>
/// The one reading of an exception from <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/>:
/// the other side could not be reached in time (refused, reset, DNS, TLS, the client's own timeout),
/// as opposed to our caller giving up. Each adapter turns it into its answer: 502 for a provider or
/// Junction, 503 for a store of ours.
/// </summary>
internal static class TransportFailure
{
    /// <param name="exception">What the send (or reading its body) threw.</param>
    /// <param name="callerToken">The caller's token: a cancellation it asked for is not an outage.</param>
    public static bool Is(Exception exception, CancellationToken callerToken) =>
        exception is HttpRequestException
        || (exception is TaskCanceledException or TimeoutException && !callerToken.IsCancellationRequested);
}
