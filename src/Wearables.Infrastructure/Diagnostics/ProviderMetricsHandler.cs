using System.Diagnostics;
using Wearables.Application.Common.Metrics;
using Wearables.Application.Providers;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>
/// Counts and times every outbound provider or Junction call (<c>wearables_provider_calls_total</c>,
/// <c>wearables_provider_call_duration_seconds</c>) by provider and outcome, until the answer's headers.
/// The provider label is the catalog slug whose configured URLs the request goes to (the clients share
/// one HttpClient), or the fixed name of a client that serves one upstream (<c>junction</c>); never the
/// URL itself, whose path can carry a user id.
/// </summary>
public sealed class ProviderMetricsHandler(WearablesMetrics metrics, Func<Uri?, string> providerOf) : DelegatingHandler
{
    /// <summary>For the shared provider client: the slug from the catalog's URLs, <c>other</c> when none matches.</summary>
    public static ProviderMetricsHandler ForCatalog(WearablesMetrics metrics, IProviderCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);

        // Longest prefix first, so that a provider whose API sits under another's host still gets its own name.
        var prefixes = catalog.All
            .SelectMany(p => new[] { p.TokenUrl, p.ApiBaseUrl, p.RevokeUrl, p.AuthorizeUrl }
                .OfType<Uri>()
                .Select(u => (Prefix: u.GetLeftPart(UriPartial.Path).TrimEnd('/'), p.Slug)))
            .Where(x => x.Prefix.Length > 0)
            .OrderByDescending(x => x.Prefix.Length)
            .ToArray();
        return new ProviderMetricsHandler(metrics, uri =>
        {
            if (uri is null)
            {
                return "other";
            }

            var text = uri.AbsoluteUri;
            foreach (var (prefix, slug) in prefixes)
            {
                if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                    && (text.Length == prefix.Length || text[prefix.Length] is '/' or '?' or '#'))
                {
                    return slug;
                }
            }

            return "other";
        });
    }

    /// <summary>For a client that talks to one upstream only.</summary>
    public static ProviderMetricsHandler Named(WearablesMetrics metrics, string name) => new(metrics, _ => name);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var outcome = ProviderCallOutcome.Unreachable;
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            outcome = ProviderCallOutcome.Of((int)response.StatusCode);
            return response;
        }
        catch (Exception ex) when (ex is TaskCanceledException or OperationCanceledException or TimeoutException)
        {
            outcome = cancellationToken.IsCancellationRequested ? ProviderCallOutcome.Cancelled : ProviderCallOutcome.Timeout;
            throw;
        }
        finally
        {
            metrics.ProviderCall(providerOf(request.RequestUri), outcome, Stopwatch.GetElapsedTime(started));
        }
    }
}
